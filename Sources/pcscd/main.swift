import Glibc
import PCSCDaemon

exit(DaemonMain.run(arguments: Array(CommandLine.arguments.dropFirst())))
