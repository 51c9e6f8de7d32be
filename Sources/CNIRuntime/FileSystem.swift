import Glibc
import Posix

/// The runtime's file operations, on the shared POSIX layer (`Posix.Files`): errors are
/// `FileError`s worded as Go words them (`open /x: no such file or directory`), since they end up
/// in messages that mirror libcni's.
enum FileSystem {
    typealias Failure = FileError

    /// Entries of `directory` (no `.`/`..`) with whether each is a directory, sorted bytewise
    /// like Go's `os.ReadDir`. nil when the directory does not exist.
    static func listDirectory(_ directory: String) throws(Failure) -> [(name: String, isDirectory: Bool)]? {
        guard let entries = try Files.entries(ofDirectory: directory) else { return nil }
        return entries.map { ($0.name, $0.isDirectory) }
            .sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// The whole file, or nil when it does not exist.
    static func readFile(_ path: String) throws(Failure) -> [UInt8]? { try Files.read(path) }

    /// `mkdir -p` (Go's `os.MkdirAll`).
    static func makeDirectories(_ path: String, mode: mode_t) throws(Failure) {
        try Files.makeDirectories(path, mode: mode)
    }

    /// Writes through a temporary file and a rename, so a reader never sees half a file (libcni
    /// truncates in place; the bytes that end up there are the same).
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(Failure) {
        try Files.writeAtomically(path, bytes, mode: mode)
    }

    /// Removes a file; true if it existed.
    @discardableResult
    static func remove(_ path: String) throws(Failure) -> Bool { try Files.remove(path) }

    /// The process's working directory.
    static func currentDirectory() -> String { Files.currentDirectory() }
}
