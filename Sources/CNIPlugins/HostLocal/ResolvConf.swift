import CNI
import Posix

/// `resolvConf`: a resolv.conf file read into the result's `dns`, as the reference reads it:
/// `nameserver` adds one server, `domain` sets the domain (the last one wins), `search` and
/// `options` add all their words; blank lines and `#`/`;` comments are skipped.
enum ResolvConf {
    static func parse(path: String) throws -> DNS {
        let bytes: [UInt8]?
        do {
            bytes = try Files.read(path, limit: 1 << 20)
        } catch {
            throw HostLocalError.io(error.errno, "\(error.operation) \(path)")
        }
        guard let bytes else { throw HostLocalError.io(.noSuchFileOrDirectory, "open \(path)") }
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
