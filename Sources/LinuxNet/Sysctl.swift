import Glibc
import Posix
import SystemPackage

/// Reads and writes kernel parameters under `/proc/sys/net`, in the namespace of the calling
/// thread. Files under `/proc/sys/net` belong to the namespace of whoever opens them, so to
/// change another namespace go through its stack (``NetworkStack/sysctls(_:)``, which opens the
/// files on a thread inside it).
///
/// Keys are paths relative to `/proc/sys`, slash-separated as in the reference plugins:
/// `net/ipv4/ip_forward`, `net/ipv6/conf/eth0/accept_ra`. Only keys under `net/` are accepted,
/// and no component may be empty, `.` or `..`, so an interface name can never steer a write
/// elsewhere.
public enum Sysctl {
    /// The value of `key`, without the trailing newline.
    public static func read(_ key: String) throws(SysctlError) -> String {
        let path = try validatedPath(key)
        let bytes: [UInt8]?
        do {
            bytes = try Files.read(path, limit: 4096)
        } catch {
            throw SysctlError(key: key, operation: .read, cause: error.errno)
        }
        guard var text = bytes else { throw SysctlError(key: key, operation: .read, cause: .noSuchFileOrDirectory) }
        while let last = text.last, last == 10 || last == 32 || last == 9 { text.removeLast() }
        return String(decoding: text, as: UTF8.self)
    }

    /// Writes `value` to `key` (no newline, as the reference plugins write).
    public static func write(_ key: String, _ value: String) throws(SysctlError) {
        let path = try validatedPath(key)
        do {
            try Files.write(path, Array(value.utf8))
        } catch {
            throw SysctlError(key: key, operation: .write, cause: error.errno)
        }
    }

    /// Writes `value` unless `key` already holds it; returns true when it wrote.
    @discardableResult
    public static func set(_ key: String, to value: String) throws(SysctlError) -> Bool {
        if try read(key) == value { return false }
        try write(key, value)
        return true
    }

    static func validatedPath(_ key: String) throws(SysctlError) -> String {
        let components = key.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count >= 2, components[0] == "net",
            components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.utf8.contains(0) })
        else {
            throw SysctlError(key: key, operation: .validate, cause: .invalidArgument)
        }
        return "/proc/sys/" + key
    }
}

/// A sysctl could not be read or written.
public struct SysctlError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was attempted.
    public enum Operation: String, Hashable, Sendable {
        case read, write
        /// The key was rejected before any system call (not under `net/`, or with `..`).
        case validate
    }

    /// The key, relative to `/proc/sys` (`net/ipv4/ip_forward`).
    public var key: String
    public var operation: Operation
    /// The errno (`ENOENT` when the parameter does not exist, for example IPv6 disabled).
    public var cause: Errno

    public init(key: String, operation: Operation, cause: Errno) {
        self.key = key
        self.operation = operation
        self.cause = cause
    }

    /// True when the parameter does not exist (`ENOENT`).
    public var isNotFound: Bool { cause == .noSuchFileOrDirectory }

    public var description: String {
        switch operation {
        case .validate: return "invalid sysctl key \"\(key)\" (must be under net/, without empty, . or .. parts)"
        case .read, .write: return "cannot \(operation.rawValue) sysctl /proc/sys/\(key): \(cause)"
        }
    }
}

extension NetworkNamespace {
    /// Reads a sysctl inside this namespace.
    public func readSysctl(_ key: String) throws -> String {
        try perform { () throws -> String in try Sysctl.read(key) }
    }

    /// Writes a sysctl inside this namespace unless it already holds `value`; returns true when
    /// it wrote. Equivalent to `ip netns exec <ns> sysctl -w <key>=<value>`.
    @discardableResult
    public func setSysctl(_ key: String, to value: String) throws -> Bool {
        try perform { () throws -> Bool in try Sysctl.set(key, to: value) }
    }
}
