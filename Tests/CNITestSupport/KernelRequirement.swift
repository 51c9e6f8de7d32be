import Foundation
import Testing

/// The trait of a test or suite that needs kernel features this machine may lack:
/// `@Suite(.needsKernel(.dummy, .vlan)) struct VLANLinkVMTests { ... }`.
///
/// - On a kernel with the features (and as root) the test runs, wherever it is.
/// - On a kernel without them it is skipped, and Swift Testing prints why: delegated to the VM run
///   (`scripts/vm/test.sh`, part of `scripts/test.sh`), naming the missing features.
/// - Inside the VM (`SWCNI_VM=1`, set by scripts/vm/run.sh) nothing is skipped: a missing feature
///   or a run without root fails the test, so the VM run cannot pass without running it.
///
/// The VM run selects tests by name (`--filter VMTests`), so the trait only goes on suites named
/// `...VMTests` or tests inside them; anywhere else it fails the test, on the host too, instead
/// of leaving it to run nowhere.
public struct KernelRequirement: TestTrait, SuiteTrait {
    /// What the test needs.
    public var features: [KernelFeature]

    /// Set inside the VM by scripts/vm/run.sh.
    public static var inVM: Bool { ProcessInfo.processInfo.environment["SWCNI_VM"] == "1" }

    /// The word a test's ID must contain for the VM run (`--filter VMTests`) to select it.
    public static let vmSuiteMarker = "VMTests"

    public func prepare(for test: Test) async throws {
        let names = features.map(\.description).joined(separator: ", ")
        guard String(describing: test.id).contains(Self.vmSuiteMarker) else {
            throw Misplaced(description: "\(test.name) needs the VM kernel (\(names)) but its suite's name does not "
                + "end in \(Self.vmSuiteMarker), so scripts/vm/test.sh would never run it")
        }
        let missing = KernelFeature.missing(features)
        if Self.inVM {
            guard isPrivileged else { throw Unavailable(description: "the VM run is not root") }
            guard missing.isEmpty else {
                throw Unavailable(description: "the VM's kernel lacks \(missing.map(\.description).joined(separator: ", "))")
            }
            return
        }
        if isPrivileged && missing.isEmpty { return }   // this kernel has everything: run here
        let reason = isPrivileged
            ? "this kernel lacks \(missing.map(\.description).joined(separator: ", "))"
            : "not root"
        // Skipping goes through ConditionTrait, the public way to skip with a reason.
        try await ConditionTrait.disabled("DELEGATED to the VM (scripts/vm/test.sh): \(reason)").prepare(for: test)
    }

    /// The trait is on a test the VM run would not select.
    struct Misplaced: Error, CustomStringConvertible { var description: String }
    /// The VM cannot run a test it must run.
    struct Unavailable: Error, CustomStringConvertible { var description: String }
}

extension Trait where Self == KernelRequirement {
    /// The test needs these kernel features: it runs where the kernel has them, is delegated to
    /// the VM run (and says so) where it does not. See ``KernelRequirement``.
    public static func needsKernel(_ features: KernelFeature...) -> Self {
        KernelRequirement(features: features)
    }
}
