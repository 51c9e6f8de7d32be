import Foundation
import NetAddress
import Testing

/// Our SHA-512 against FIPS 180-4's vectors and against libcrypto (through `openssl dgst`).
@Suite struct SHA512Tests {
    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func fipsVectors() {
        #expect(SHA512.hex("abc") ==
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        #expect(SHA512.hex("") ==
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
        #expect(SHA512.hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909")
        #expect(hex(SHA512.digest([UInt8](repeating: 0x61, count: 1_000_000))) ==
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b")
    }

    /// Every length from 0 to 300 bytes (padding across one and two blocks), pseudo-random bytes,
    /// digested by libcrypto in one `openssl dgst` run.
    @Test func matchesLibcrypto() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swcni-sha512-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        var inputs: [[UInt8]] = []
        var paths: [String] = []
        for length in 0...300 {
            let bytes = (0..<length).map { _ -> UInt8 in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: seed >> 33)
            }
            let path = dir.appendingPathComponent("\(length)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            inputs.append(bytes)
            paths.append(path)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["dgst", "-sha512", "-r"] + paths
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let digests = output.split(separator: "\n").map { String($0.prefix(128)) }
        try #require(digests.count == inputs.count, "openssl printed \(digests.count) digests")
        for (length, input) in inputs.enumerated() {
            #expect(hex(SHA512.digest(input)) == digests[length], "length \(length)")
        }
    }
}
