import CNI
import Glibc
import SystemPackage

/// `resolvConf`: a resolv.conf file read into the result's `dns`, as the reference reads it:
/// `nameserver` adds one server, `domain` sets the domain (the last one wins), `search` and
/// `options` add all their words; blank lines and `#`/`;` comments are skipped.
enum ResolvConf {
    static func parse(path: String) throws -> DNS {
        let fd: Int32
        do {
            fd = try Posix.retrying { open(path, O_RDONLY | O_CLOEXEC) }
        } catch let e as Errno {
            throw HostLocalError.io(e, "open \(path)")
        }
        defer { Posix.close(fd) }
        let bytes: [UInt8]
        do {
            bytes = try Posix.readAll(fd, limit: 1 << 20)
        } catch let e as Errno {
            throw HostLocalError.io(e, "read \(path)")
        }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    static func parse(_ text: String) -> DNS {
        var dns = DNS()
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#"), !first.hasPrefix(";"), fields.count >= 2 else { continue }
            switch first {
            case "nameserver": dns.nameservers.append(fields[1])
            case "domain": dns.domain = fields[1]
            case "search": dns.search += fields.dropFirst()
            case "options": dns.options += fields.dropFirst()
            default: break
            }
        }
        return dns
    }
}
