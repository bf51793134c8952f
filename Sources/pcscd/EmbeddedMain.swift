// The entry point of the Embedded Swift build (scripts/build-pcscd.sh), which compiles
// this file in place of main.swift. Embedded Swift has no `CommandLine`, so the arguments
// come from C's `main`. SwiftPM excludes this file.
import PCSCDaemon

@_cdecl("main")
func main(_ count: Int32, _ values: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    let arguments = (1..<Int(max(count, 1))).map { String(cString: values[$0]!) }
    return DaemonMain.run(arguments: arguments)
}
