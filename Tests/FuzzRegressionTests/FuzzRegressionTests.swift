import FuzzTargets
import Glibc
import Posix
import Testing

/// Every fuzz target over its committed seed corpus (`corpus/<target>/`, minimized from the
/// libFuzzer runs) and over every input that ever made it fail (`regressions/<target>/`, one file
/// per bug, named after it). A failed property is reported here instead of trapping.
@Suite(.serialized) struct FuzzRegressionTests {
    static let root = String(#filePath.dropLast("FuzzRegressionTests.swift".count))

    static func files(in directory: String) -> [String] {
        let entries = (try? Files.entries(ofDirectory: directory)) ?? nil
        return (entries ?? []).filter { !$0.name.hasPrefix(".") }.map { directory + "/" + $0.name }.sorted()
    }

    static func contents(_ path: String) -> [UInt8] {
        guard let f = fopen(path, "rb") else { return [] }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            out += buffer[..<n]
        }
        return out
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func replay(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let corpus = Self.files(in: Self.root + "corpus/" + name)
        let regressions = Self.files(in: Self.root + "regressions/" + name)
        #expect(!corpus.isEmpty, "no seed corpus for \(name)")
        var failures: [String] = []
        FuzzFailures.record = { failures.append($0) }
        defer { FuzzFailures.record = nil }
        for path in corpus + regressions {
            failures = []
            target.run(Self.contents(path))
            #expect(failures.isEmpty, "\(path): \(failures.joined(separator: "; "))")
        }
    }
}
