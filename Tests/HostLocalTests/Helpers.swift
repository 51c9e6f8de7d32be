import Foundation
import NetAddress
import Testing

@testable import HostLocal

func ip(_ s: String) -> IPAddress { IPAddress(s)! }
func cidr(_ s: String) -> IPNetwork { IPNetwork(s)! }
func owner(_ id: String, _ ifname: String = "eth0") -> LeaseOwner { try! LeaseOwner(containerID: id, ifname: ifname) }

/// A range set from `subnet[,start,end,gateway]` strings; nil fields stay defaults.
func rangeSet(_ specs: [(String, String?, String?, String?)]) throws -> RangeSet {
    try RangeSet(specs.map { RangeSpec(subnet: cidr($0.0), rangeStart: $0.1.map(ip), rangeEnd: $0.2.map(ip), gateway: $0.3.map(ip)) })
}

func rangeSet(_ subnet: String, start: String? = nil, end: String? = nil, gateway: String? = nil) throws -> RangeSet {
    try rangeSet([(subnet, start, end, gateway)])
}

/// The message of the HostLocalError `body` throws (nil when it does not throw).
func errorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let e as HostLocalError {
        return e.message
    } catch {
        return "\(error)"
    }
}

/// A fresh directory under /tmp, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() {
        let template = NSTemporaryDirectory() + "hostlocal-test-XXXXXX"
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil)
        path = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

func withTemporaryDirectory<T>(_ body: (String) throws -> T) rethrows -> T {
    let dir = TemporaryDirectory()
    defer { dir.cleanup() }
    return try body(dir.path)
}

func fileBytes(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}

func fileText(_ path: String) -> String? { fileBytes(path).map { String(decoding: $0, as: UTF8.self) } }

/// Writes a file the way the reference writes a lease (create, write, close; no temp file).
func writeText(_ path: String, _ text: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "open \(path)")
    let bytes = Array(text.utf8)
    precondition(write(fd, bytes, bytes.count) == bytes.count)
    close(fd)
}

func permissions(_ path: String) -> Int {
    var st = stat()
    precondition(stat(path, &st) == 0, "stat \(path)")
    return Int(st.st_mode & 0o777)
}

func listing(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}
