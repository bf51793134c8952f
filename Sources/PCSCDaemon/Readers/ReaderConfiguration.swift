import Glibc

/// The `-c` reader configuration (pcsc-lite's reader.conf.d): serial readers driven by IFD
/// handler libraries. This daemon drives USB CCID readers itself and loads no IFD
/// handlers, so it only checks that the path can be read and says what it ignores.
enum ReaderConfiguration {
    /// Returns why `path` cannot be used, or nil when it can. pcscd refuses to start when
    /// the path is neither a readable directory nor a readable file.
    static func problem(with path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return "Reader configuration \(path): \(String(cString: strerror(errno))); give an existing directory or file with -c"
        }
        var files: [String] = []
        if (info.st_mode & S_IFMT) == S_IFDIR {
            guard let directory = opendir(path) else {
                return "Reader configuration \(path): cannot read the directory: \(String(cString: strerror(errno)))"
            }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if !name.hasPrefix(".") { files.append(path + "/" + name) }
            }
        } else {
            files = [path]
        }

        var readers = 0
        for file in files {
            guard let text = readTextFile(file, limit: 1 << 20) else {
                return "Reader configuration \(file): cannot read it: \(String(cString: strerror(errno)))"
            }
            readers += text.split(separator: "\n").filter { line in
                line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("FRIENDLYNAME")
            }.count
        }
        if readers > 0 {
            log.error(
                "Reader configuration \(path): ignoring \(readers) serial reader(s); this daemon drives USB CCID "
                    + "readers itself and does not load IFD handlers")
        } else {
            log.info("Reader configuration \(path): no serial readers")
        }
        return nil
    }
}
