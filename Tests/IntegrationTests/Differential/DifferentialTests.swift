import CNITestSupport
import Foundation
import Testing

/// The differential table (`DiffTable`): every row's config goes to Debian's reference plugin
/// (`/usr/lib/cni`, 1.1.1) and to ours, each in throwaway namespaces of its own, ADD then DEL.
/// The outcomes must be the same — success or error code, the ADD result, and the kernel, firewall
/// and lease state after each verb — unless the row names a deliberate difference documented in
/// README.md. With `SWCNI_DIFF_REPORT=<file>` each row also appends a Markdown table line (led by
/// its zero-padded index, so `sort` restores the table's order) with both sides' outcomes and
/// messages (`scripts/difftable.sh` prints it). `CNI_BIN_DIR=/usr/lib/cni` runs the reference
/// against itself: every row comes out the same and only the deliberate marks report themselves
/// stale, which is how the normalisation is checked for false differences.
///
/// A plugin added later gets a `DiffPlugin` (its namespaces, a `prepare` step for the links it
/// needs), a `DiffTable+<Plugin>.swift` with its rows (`envelope(...)` adds the shared ones), and
/// its rows appended to `DiffTable.all`.
@Suite(.enabled(if: isPrivileged && FileManager.default.isExecutableFile(atPath: Binaries.referenceDirectory + "/bridge")))
struct DifferentialTests {
    @Test(arguments: DiffTable.all)
    func sameOutcomeAsTheReference(_ row: DiffCase) throws {
        let start = Date()
        // The two sides share nothing (namespaces, state directories), so they run at the same time.
        let (reference, ours) = try DiffLab.with(row.plugin) { referenceSide, oursSide in
            let sides = [referenceSide, oursSide]
            let outcomes = SideOutcomes()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                outcomes.set(i, Result { try DiffObservation.observe(row, on: sides[i]) })
            }
            return (try outcomes.get(0), try outcomes.get(1))
        }
        let seconds = Date().timeIntervalSince(start)
        let differences = DiffObservation.differences(reference: reference, ours: ours)
        let unexplained = differences.filter { d in !row.deliberate.contains { $0.explains(d) } }
        DiffReport.append(row, reference: reference, ours: ours, differences: differences, unexplained: unexplained, seconds: seconds)
        for deliberate in row.deliberate {
            #expect(
                differences.contains { deliberate.explains($0) },
                "\(row.id): marked deliberate (\(deliberate.readme)) but ours no longer differs there: remove the mark")
        }
        if !unexplained.isEmpty {
            Issue.record(
                """
                \(row.id): ours differs from the reference
                  config: \(DiffLab.escaped(row.config).prefix(600))
                  reference ADD \(reference.add.kind)\(reference.add.message.map { ": " + $0 } ?? ""); \
                ours ADD \(ours.add.kind)\(ours.add.message.map { ": " + $0 } ?? "")
                  \(unexplained.map(\.text).joined(separator: "\n  "))
                """)
        }
    }
}

/// The two sides' observations, filled from two threads.
final class SideOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: Result<DiffObservation, any Error>] = [:]

    func set(_ i: Int, _ result: Result<DiffObservation, any Error>) {
        lock.lock()
        results[i] = result
        lock.unlock()
    }

    func get(_ i: Int) throws -> DiffObservation {
        lock.lock()
        defer { lock.unlock() }
        return try results[i]!.get()
    }
}

/// The Markdown report (`SWCNI_DIFF_REPORT`).
enum DiffReport {
    static func append(
        _ row: DiffCase, reference r: DiffObservation, ours o: DiffObservation, differences: [DiffDifference],
        unexplained: [DiffDifference], seconds: Double
    ) {
        guard let path = ProcessInfo.processInfo.environment["SWCNI_DIFF_REPORT"], !path.isEmpty else { return }
        var verdict: String
        if differences.isEmpty {
            verdict = row.deliberate.isEmpty ? "same" : "same (deliberate mark is stale)"
        } else if unexplained.isEmpty {
            let marks = row.deliberate.filter { m in differences.contains { m.explains($0) } }.map(\.name)
            verdict = "deliberate (\(marks.joined(separator: ", "))): " + DiffDifference.summary(differences)
        } else {
            verdict = "**differs**: " + DiffDifference.summary(unexplained)
            if unexplained.count < differences.count { verdict += " (deliberate: the rest)" }
        }
        let stale = row.deliberate.filter { m in !differences.contains { m.explains($0) } }.map(\.name)
        if !stale.isEmpty, !differences.isEmpty { verdict += " (**stale mark**: \(stale.joined(separator: ", ")))" }
        func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        func outcome(_ v: VerbOutcome) -> String { v.kind + (v.message.map { " — " + $0 } ?? "") }
        let index = DiffTable.index(of: row)
        let line = String(format: "%04d", index) + " | \(index) | \(row.plugin.binary) | \(row.group) | \(cell(row.name)) | "
            + "\(cell(outcome(r.add))) | \(cell(outcome(o.add))) | \(r.del.kind) | \(o.del.kind) | \(cell(verdict)) | "
            + String(format: "%.0f", seconds * 1000) + " |\n"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = Array(line.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
