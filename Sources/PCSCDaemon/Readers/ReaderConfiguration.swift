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

        var readers: [String] = []
        for file in files {
            guard let text = readTextFile(file, limit: 1 << 20) else {
                return "Reader configuration \(file): cannot read it: \(String(cString: strerror(errno)))"
            }
            for line in text.split(separator: "\n") {
                let entry = line.drop(while: { $0 == " " || $0 == "\t" })
                guard entry.hasPrefix("FRIENDLYNAME") else { continue }
                let name = entry.dropFirst("FRIENDLYNAME".count).drop(while: { $0 == " " || $0 == "\t" })
                readers.append(String(name))
            }
        }
        if !readers.isEmpty {
            log.error(
                "Reader configuration \(path): ignoring \(readers.count) serial reader(s) (\(readers.joined(separator: ", "))); "
                    + "this daemon drives USB CCID readers itself and does not load IFD handlers")
        } else {
            log.info("Reader configuration \(path): no serial readers")
        }
        return nil
    }
}
