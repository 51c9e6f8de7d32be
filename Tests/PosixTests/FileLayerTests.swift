import Foundation
import Glibc
import Posix
import SystemPackage
import Testing

/// The descriptor-relative file layer and its path-level wrapper, in a scratch directory.
@Suite struct FileLayerTests {
    /// Runs `body` with a fresh directory (its path and an open descriptor), removed afterwards.
    func withDirectory(_ body: (String, FileDescriptor) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "swcni-posix-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = try FileDescriptor.openDirectory(path)
        defer { directory.closeQuietly() }
        try body(path, directory)
    }

    @Test func wholeFilesRoundTripAndAMissingOneIsNil() throws {
        try withDirectory { _, dir in
            #expect(try dir.readFile("nope") == nil)
            try dir.writeFile("a", Array("hello".utf8))
            #expect(try dir.readFile("a") == Array("hello".utf8))
            #expect(try dir.readFile("a", limit: 2) == Array("he".utf8))
            #expect(try dir.status(of: "a").map { $0.st_mode & 0o777 } == 0o600)
            #expect(throws: Errno.fileExists) { try dir.writeFile("a", [], exclusive: true) }
        }
    }

    @Test func replacingInPlaceKeepsTheInodeAndCutsToLength() throws {
        try withDirectory { _, dir in
            try dir.writeFile("f", Array("a longer text".utf8))
            let inode = try #require(try dir.status(of: "f")).st_ino
            try dir.replaceFile("f", with: Array("short".utf8))
            #expect(try dir.readFile("f") == Array("short".utf8))
            #expect(try dir.status(of: "f")?.st_ino == inode)
            try dir.truncateFile("f")
            #expect(try dir.readFile("f") == [])
            try dir.truncateFile("missing")  // nothing to do
        }
    }

    @Test func linkIsCreateIfAbsent() throws {
        try withDirectory { _, dir in
            try dir.writeFile("scratch", Array("x".utf8))
            #expect(try dir.link("scratch", to: dir, as: "lease"))
            #expect(try !dir.link("scratch", to: dir, as: "lease"))
            #expect(try dir.unlink("scratch"))
            #expect(try !dir.unlink("scratch"))
            #expect(try dir.readFile("lease") == Array("x".utf8))
        }
    }

    @Test func atomicReplacementLeavesNoScratchFile() throws {
        try withDirectory { path, dir in
            try dir.writeFile("cache", Array("old".utf8))
            try dir.replaceFileAtomically("cache", with: Array("new".utf8), mode: 0o600)
            #expect(try dir.readFile("cache") == Array("new".utf8))
            #expect(try dir.entries().map(\.name) == ["cache"])
            try Files.writeAtomically(path + "/other", Array("x".utf8), mode: 0o640)
            #expect(try dir.status(of: "other").map { $0.st_mode & 0o777 } == 0o640)
        }
    }

    @Test func entriesTellDirectoriesFromFiles() throws {
        try withDirectory { path, dir in
            try dir.makeDirectory("sub", mode: 0o700)
            try dir.makeDirectory("sub", mode: 0o700)  // exists: fine
            try dir.writeFile("file", [])
            let entries = try dir.entries().sorted { $0.name < $1.name }
            #expect(entries == [DirectoryEntry(name: "file", isDirectory: false), DirectoryEntry(name: "sub", isDirectory: true)])
            #expect(try Files.entries(ofDirectory: path + "/absent") == nil)
            // A symlink is not followed when a directory is opened by name.
            #expect(symlink(path + "/sub", path + "/link") == 0)
            #expect(throws: Errno.self) { try dir.openDirectory("link") }
            try dir.openDirectory("link", followSymlink: true).closeQuietly()
        }
    }

    /// Enough short names to fill readdir's buffer, whose last record then ends a few bytes
    /// before the allocation does: reading its name must stop at the record (an ASan build
    /// caught a copy of the whole 256-byte d_name there).
    @Test func entriesOfAFullReaddirBufferAreReadInPlace() throws {
        try withDirectory { path, dir in
            let names = (0..<3000).map { "f\($0)" }
            for name in names { try dir.writeFile(name, []) }
            #expect(try dir.entries().map(\.name).sorted() == names.sorted())
            #expect(try Files.entries(ofDirectory: path)?.count == names.count)
        }
    }

    @Test func pathErrorsReadAsGosPathError() throws {
        try withDirectory { path, dir in
            try dir.writeFile("file", [])
            let error = try #require(throws: FileError.self) { try Files.makeDirectories(path + "/file/deeper", mode: 0o755) }
            #expect(error.description == "mkdir \(path)/file: not a directory")
            try Files.makeDirectories(path + "/a/b/c", mode: 0o755)
            #expect(try Files.entries(ofDirectory: path + "/a/b")?.map(\.name) == ["c"])
            #expect(try Files.read(path + "/a/nothing") == nil)
            #expect(try Files.remove(path + "/file"))
            #expect(try !Files.remove(path + "/file"))
        }
    }

    @Test func aLockIsExclusiveBetweenDescriptors() throws {
        try withDirectory { _, dir in
            let first = try dir.openFile("lock", O_RDWR | O_CREAT)
            defer { first.closeQuietly() }
            try first.lockExclusive()
            let second = try dir.openFile("lock", O_RDWR)
            defer { second.closeQuietly() }
            #expect(flock(second.rawValue, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
        }
    }
}
