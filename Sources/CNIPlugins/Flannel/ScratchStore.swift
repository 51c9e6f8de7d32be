import Posix

/// The delegate configs flannel keeps under `dataDir`, one file per container ID (the
/// reference's "scratch netconf"): written on ADD, read back and removed by DEL, so that DEL
/// tears down exactly what ADD set up even after the subnet file changed. A file appears whole
/// or not at all (the reference truncates and writes in place).
struct ScratchStore {
    var directory: String

    func path(_ containerID: String) -> String { directory + "/" + containerID }

    /// Writes `bytes` (directory 0700, file 0600, synced before returning).
    func save(_ bytes: [UInt8], for containerID: String) throws(FlannelError) {
        do {
            try Files.makeDirectories(directory, mode: 0o700)
            try Files.writeAtomically(path(containerID), bytes, mode: 0o600)
        } catch {
            throw FlannelError(.io, error.description)
        }
    }

    /// The stored bytes; nil when there are none.
    func load(_ containerID: String) throws(FlannelError) -> [UInt8]? {
        do {
            return try Files.read(path(containerID))
        } catch {
            throw FlannelError(.io, error.description)
        }
    }

    /// Removes the stored config (already gone is fine).
    func remove(_ containerID: String) throws(FlannelError) {
        do {
            try Files.remove(path(containerID))
        } catch {
            throw FlannelError(.io, error.description)
        }
    }

    /// The container IDs with a stored config.
    func containerIDs() -> [String] {
        let entries = (try? Files.entries(ofDirectory: directory)) ?? nil
        // Not a scratch file of an atomic write in progress (`<name>.tmp-<pid>`).
        func isScratch(_ name: String) -> Bool { name.split(separator: ".").dropFirst().contains { $0.hasPrefix("tmp-") } }
        return (entries ?? []).filter { !$0.isDirectory && !$0.name.hasPrefix(".") && !isScratch($0.name) }.map(\.name).sorted()
    }
}
