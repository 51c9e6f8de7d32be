import Glibc
import SystemPackage

// Operations relative to a directory descriptor (the `*at` calls): a path is resolved once, when
// the directory is opened, so nothing can swap a component between a check and a use. Names are
// single components; symlinks in them are not followed (`O_NOFOLLOW`) unless asked. Failures are
// `Errno`s; the caller names the path in its own error.

/// One entry of a directory listing.
public struct DirectoryEntry: Hashable, Sendable {
    public var name: String
    /// True for a directory (a symlink to one is not).
    public var isDirectory: Bool

    public init(name: String, isDirectory: Bool) {
        self.name = name
        self.isDirectory = isDirectory
    }
}

extension FileDescriptor {
    /// Opens the directory at `path` (`O_DIRECTORY`; symlinks followed, as for any path).
    public static func openDirectory(_ path: String) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try retryingInterrupts { Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) })
    }

    /// Opens the directory `name` in this one; a symlink is followed only with `followSymlink`.
    public func openDirectory(_ name: String, followSymlink: Bool = false) throws(Errno) -> FileDescriptor {
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followSymlink ? 0 : O_NOFOLLOW)
        return FileDescriptor(rawValue: try retryingInterrupts { openat(rawValue, name, flags) })
    }

    /// Opens the file `name` in this directory with `flags` (`O_RDONLY`, `O_WRONLY | O_CREAT`,
    /// ...), close-on-exec and not through a symlink; `mode` applies when it is created.
    public func openFile(_ name: String, _ flags: Int32, mode: mode_t = 0o600) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try retryingInterrupts { openat(rawValue, name, flags | O_CLOEXEC | O_NOFOLLOW, mode) })
    }

    /// The whole file `name`, or nil when it does not exist; at most `limit` bytes.
    public func readFile(_ name: String, limit: Int = .max) throws(Errno) -> [UInt8]? {
        let file: FileDescriptor
        do { file = try openFile(name, O_RDONLY) } catch .noSuchFileOrDirectory { return nil }
        defer { file.closeQuietly() }
        return try file.readAll(limit: limit)
    }

    /// Creates (or, unless `exclusive`, truncates) `name` with `bytes`, mode `mode` whatever the
    /// umask. Not atomic: write a scratch name, then ``link(_:to:as:)`` or ``rename(_:to:as:)``
    /// it into place.
    public func writeFile(_ name: String, _ bytes: [UInt8], exclusive: Bool = false, mode: mode_t = 0o600) throws(Errno) {
        let file = try openFile(name, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), mode: mode)
        defer { file.closeQuietly() }
        _ = fchmod(file.rawValue, mode)  // O_CREAT applied the umask
        try file.writeAll(bytes)
    }

    /// Overwrites `name` in place with `bytes` (created, mode `mode`, if missing); see
    /// ``replaceContents(with:)``. Also tightens the mode of an existing file.
    public func replaceFile(_ name: String, with bytes: [UInt8], mode: mode_t = 0o600) throws(Errno) {
        let file = try openFile(name, O_WRONLY | O_CREAT, mode: mode)
        defer { file.closeQuietly() }
        _ = fchmod(file.rawValue, mode)
        try file.replaceContents(with: bytes)
    }

    /// Empties `name` if it exists.
    public func truncateFile(_ name: String) throws(Errno) {
        let file: FileDescriptor
        do { file = try openFile(name, O_WRONLY) } catch .noSuchFileOrDirectory { return }
        defer { file.closeQuietly() }
        try file.truncate(to: 0)
    }

    /// Writes `bytes` to `name` so that a reader sees the old file or the new one, never half of
    /// one: a scratch file (`<name>.tmp-<pid>`, mode `mode`) written and synced, then renamed over
    /// `name`. The scratch file is removed when a step fails.
    public func replaceFileAtomically(_ name: String, with bytes: [UInt8], mode: mode_t) throws(Errno) {
        let scratch = name + ".tmp-\(getpid())"
        do {
            let file = try openFile(scratch, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
            defer { file.closeQuietly() }
            try file.writeAll(bytes)
            try file.sync()
        } catch {
            _ = try? unlink(scratch)
            throw error
        }
        do {
            try rename(scratch, to: self, as: name)
        } catch {
            _ = try? unlink(scratch)
            throw error
        }
    }

    /// Hard-links `name` to `newName` in `directory` (`linkat`); false when `newName` exists.
    /// The atomic "create if absent, with this content" that `O_EXCL` gives only for an empty file.
    public func link(_ name: String, to directory: FileDescriptor, as newName: String) throws(Errno) -> Bool {
        do {
            _ = try retryingInterrupts { linkat(rawValue, name, directory.rawValue, newName, 0) }
            return true
        } catch .fileExists {
            return false
        }
    }

    /// Renames `name` to `newName` in `directory` (`renameat`), replacing what is there.
    public func rename(_ name: String, to directory: FileDescriptor, as newName: String) throws(Errno) {
        _ = try retryingInterrupts { renameat(rawValue, name, directory.rawValue, newName) }
    }

    /// Removes the file `name`; false when there was none.
    @discardableResult
    public func unlink(_ name: String) throws(Errno) -> Bool {
        do {
            _ = try retryingInterrupts { unlinkat(rawValue, name, 0) }
            return true
        } catch .noSuchFileOrDirectory {
            return false
        }
    }

    /// Creates the directory `name` unless it exists.
    public func makeDirectory(_ name: String, mode: mode_t) throws(Errno) {
        do { _ = try retryingInterrupts { mkdirat(rawValue, name, mode) } } catch .fileExists {}
    }

    /// `fstatat` of `name` (not following a symlink); nil when it does not exist.
    public func status(of name: String) throws(Errno) -> Glibc.stat? {
        var st = Glibc.stat()
        do {
            _ = try retryingInterrupts { fstatat(rawValue, name, &st, AT_SYMLINK_NOFOLLOW) }
        } catch .noSuchFileOrDirectory {
            return nil
        }
        return st
    }

    /// Every entry of this directory but `.` and `..`, in directory order. File systems that do
    /// not report entry types (`DT_UNKNOWN`) are asked with `fstatat`.
    public func entries() throws(Errno) -> [DirectoryEntry] {
        // readdir consumes a descriptor of its own; this one stays open and usable.
        let copy = try retryingInterrupts { Glibc.dup(rawValue) }
        guard let dir = fdopendir(copy) else {
            let error = Errno(rawValue: errno)
            Glibc.close(copy)
            throw error
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var out: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw Errno(rawValue: errno) }
                return out
            }
            // Read in place: a record is only as long as its name (d_reclen), so copying the whole
            // 256-byte d_name reads past the last record of readdir's buffer.
            let name = String(cString: UnsafeRawPointer(entry).advanced(by: MemoryLayout<dirent>.offset(of: \.d_name)!)
                .assumingMemoryBound(to: CChar.self))
            if name == "." || name == ".." { continue }
            var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN), let st = try? status(of: name) {
                isDirectory = st.st_mode & S_IFMT == S_IFDIR
            }
            out.append(DirectoryEntry(name: name, isDirectory: isDirectory))
        }
    }
}
