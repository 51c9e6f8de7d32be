import Glibc
import SystemPackage

/// Whole-file operations on paths, for callers that hold no directory descriptor (the runtime's
/// configs and cache, small files under `/proc`). Built on the descriptor operations; failures
/// are ``FileError``s naming the step and the path.
public enum Files {
    /// The whole file at `path` (at most `limit` bytes), or nil when it does not exist.
    public static func read(_ path: String, limit: Int = .max) throws(FileError) -> [UInt8]? {
        let file: FileDescriptor
        do {
            file = FileDescriptor(rawValue: try retryingInterrupts { open(path, O_RDONLY | O_CLOEXEC) })
        } catch .noSuchFileOrDirectory {
            return nil
        } catch {
            throw FileError("open", path, error)
        }
        defer { file.closeQuietly() }
        do {
            return try file.readAll(limit: limit)
        } catch {
            throw FileError("read", path, error)
        }
    }

    /// Writes `bytes` into the existing file at `path`, neither creating nor truncating it: a
    /// setting under `/proc/sys` or `/sys`, which takes the whole value in one write.
    public static func write(_ path: String, _ bytes: [UInt8]) throws(FileError) {
        let file: FileDescriptor
        do {
            file = FileDescriptor(rawValue: try retryingInterrupts { open(path, O_WRONLY | O_CLOEXEC) })
        } catch {
            throw FileError("open", path, error)
        }
        defer { file.closeQuietly() }
        do {
            try file.writeAll(bytes)
        } catch {
            throw FileError("write", path, error)
        }
    }

    /// Writes `bytes` to `path` with `mode` so that a reader never sees half a file
    /// (``FileDescriptor/replaceFileAtomically(_:with:mode:)`` in its directory).
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(FileError) {
        let (directoryPath, name) = split(path)
        let directory: FileDescriptor
        do {
            directory = try FileDescriptor.openDirectory(directoryPath)
        } catch {
            throw FileError("open", path, error)
        }
        defer { directory.closeQuietly() }
        do {
            try directory.replaceFileAtomically(name, with: bytes, mode: mode)
        } catch {
            throw FileError("write", path, error)
        }
    }

    /// `mkdir -p` with `mode` for the directories it creates, as Go's `os.MkdirAll`: a path that
    /// exists as a directory is done, one that exists as anything else fails with `ENOTDIR`.
    public static func makeDirectories(_ path: String, mode: mode_t) throws(FileError) {
        var st = stat()
        if stat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFDIR else { throw FileError("mkdir", path, .notDirectory) }
            return
        }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]), mode: mode)
        }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw FileError("mkdir", path, Errno(rawValue: errno)) }
    }

    /// Removes the file at `path`; false when there was none.
    @discardableResult
    public static func remove(_ path: String) throws(FileError) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw FileError("remove", path, Errno(rawValue: errno))
    }

    /// The entries of the directory at `path` (``FileDescriptor/entries()``), nil when it does
    /// not exist.
    public static func entries(ofDirectory path: String) throws(FileError) -> [DirectoryEntry]? {
        let directory: FileDescriptor
        do {
            directory = try FileDescriptor.openDirectory(path)
        } catch .noSuchFileOrDirectory {
            return nil
        } catch {
            throw FileError("open", path, error)
        }
        defer { directory.closeQuietly() }
        do {
            return try directory.entries()
        } catch {
            throw FileError("readdirent", path, error)
        }
    }

    /// The process's working directory ("/" when it cannot be read).
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The directory and the last component of `path` (`"."` for a bare name).
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        return (directory, String(path[path.index(after: slash)...]))
    }
}
