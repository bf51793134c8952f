import Glibc

/// Read and remove access to environment variables, so the systemd protocols can be tested
/// with a dictionary in place of the process environment.
protocol EnvironmentVariables {
    subscript(name: String) -> String? { get }
    mutating func remove(_ name: String)
}

/// The process environment (`getenv`, `unsetenv`). Like those calls, it is not safe to
/// use while another thread changes the environment.
struct ProcessEnvironment: EnvironmentVariables {
    subscript(name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    mutating func remove(_ name: String) {
        unsetenv(name)
    }
}
