import Testing

@testable import DBus

/// The D-Bus wire format, against bytes worked out from the specification.
struct DBusWireTests {
    @Test func helloIsTheSpecificationsBytes() {
        let hello = DBusMessage.call(
            serial: 1, destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus", member: "Hello", [])
        let bytes = hello.encoded()
        // 'l', METHOD_CALL, no flags, version 1, body length 0, serial 1.
        #expect(Array(bytes[0..<12]) == [0x6c, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0])
        // Header fields: PATH (o), INTERFACE (s), MEMBER (s), DESTINATION (s), each 8-aligned.
        #expect(Array(bytes[16..<20]) == [1, 1, UInt8(ascii: "o"), 0])
        #expect(bytes.count % 8 == 0)
        let fieldsLength = Int(bytes[12]) | Int(bytes[13]) << 8
        #expect((16 + fieldsLength + 7) / 8 * 8 == bytes.count)
    }

    @Test func roundTrip() throws {
        let call = DBusMessage.call(
            serial: 7, destination: "org.fedoraproject.FirewallD1", path: "/org/fedoraproject/FirewallD1",
            interface: "org.fedoraproject.FirewallD1.zone", member: "addSource", [.string("trusted"), .string("10.88.0.2/32")])
        let bytes = call.encoded()
        #expect(try DBusMessage.length(of: bytes[...]) == bytes.count)
        #expect(try DBusMessage.length(of: bytes[0..<15]) == nil)
        let back = try DBusMessage(decoding: bytes[...])
        #expect(back.kind == .methodCall && back.serial == 7 && back.member == "addSource")
        #expect(back.interface == "org.fedoraproject.FirewallD1.zone" && back.destination == "org.fedoraproject.FirewallD1")
        #expect(back.body == [.string("trusted"), .string("10.88.0.2/32")])

        let error = DBusMessage(
            kind: .error, serial: 9, errorName: "org.fedoraproject.FirewallD1.Exception", replySerial: 7,
            body: [.string("ZONE_ALREADY_SET: 10.88.0.2/32")])
        let decoded = try DBusMessage(decoding: error.encoded()[...])
        #expect(decoded.kind == .error && decoded.replySerial == 7 && decoded.errorName == "org.fedoraproject.FirewallD1.Exception")
        #expect(decoded.body.first?.stringValue == "ZONE_ALREADY_SET: 10.88.0.2/32")
        let reply = DBusMessage(kind: .methodReturn, serial: 10, replySerial: 8, body: [.bool(true)])
        #expect(try DBusMessage(decoding: reply.encoded()[...]).body == [.bool(true)])
    }

    @Test func bigEndianReplies() throws {
        // A METHOD_RETURN in big-endian order: reply serial 2, signature "b", body true.
        var m: [UInt8] = [UInt8(ascii: "B"), 2, 1, 1, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 0x0f]
        m += [5, 1, UInt8(ascii: "u"), 0, 0, 0, 0, 2]  // REPLY_SERIAL
        m += [8, 1, UInt8(ascii: "g"), 0, 1, UInt8(ascii: "b"), 0]  // SIGNATURE "b"
        m += [0]  // pad to 8
        m += [0, 0, 0, 1]
        let decoded = try DBusMessage(decoding: m[...])
        #expect(decoded.kind == .methodReturn && decoded.serial == 5 && decoded.replySerial == 2)
        #expect(decoded.body == [.bool(true)])
    }

    @Test func addresses() {
        #expect(DBusAddress.unixSocket(in: "unix:path=/run/dbus/system_bus_socket")?.description == "/run/dbus/system_bus_socket")
        #expect(DBusAddress.unixSocket(in: "tcp:host=x;unix:abstract=/tmp/a%20b,guid=1")?.description == "@/tmp/a b")
        #expect(DBusAddress.unixSocket(in: "tcp:host=x") == nil)
    }

    @Test func missingBusIsUnreachable() {
        #expect {
            _ = try DBusConnection(address: "unix:path=/nonexistent/swcni-bus")
        } throws: { ($0 as? DBusError)?.kind == .unreachable }
    }
}
