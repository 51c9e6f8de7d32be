import Glibc
import NetAddress
import Posix
import SystemPackage

/// The reference's on-disk store, byte for byte, so a node can switch between the two binaries:
/// `<dataDir>/<network>/<ip>` holds `<containerID>\r\n<ifname>`, `last_reserved_ip.<set>` the last
/// address handed out from each range set, and `lock` is flock'ed (LOCK_EX) for the store's whole
/// lifetime, which also serialises us against the reference's own operations.
///
/// Differences, all invisible to the reference:
/// - a lease is written to a scratch file first and hard-linked into place, so a crash leaves
///   either no lease or a whole one (the reference's O_EXCL create can leave an empty file);
/// - lookups go through `LeaseIndex`, a cache outside the lease directory, instead of reading
///   every lease;
/// - new lease directories are 0700 and every file 0600.
public final class DiskAddressStore: AddressStore {
    public let location: StoreLocation
    let leaseDir: FileDescriptor
    private let lockFD: FileDescriptor
    /// `<dataDir>/.swift-cni/<network>`: scratch files and the index. nil when it cannot be made;
    /// the store then works as the reference does (direct writes, a full scan per operation).
    let cacheDir: FileDescriptor?

    var index: LeaseIndex?
    /// False once the in-memory index may disagree with the lease directory.
    var indexTrusted = true
    /// Whether we created, removed or renamed anything in the lease directory.
    var leaseDirChanged = false
    /// Set when hard links cannot be made (another file system, no link support).
    private var directWrites = false
    /// Whom the scratch lease file currently names (nil: no scratch lease).
    private var scratchOwner: LeaseOwner?
    private var closed = false
    /// Lease files read during this store's life (tests check that lookups stay O(1)).
    var leaseFilesRead = 0

    static let lockName = "lock"
    static let lastReservedPrefix = "last_reserved_ip."
    static let scratchLeaseName = "lease.pending"
    static let stateName = "state"
    /// The most read of a lease or `last_reserved_ip.N`: they are tiny, and a huge file in their
    /// place is garbage whatever it holds.
    static let smallFileLimit = 64 << 10

    /// Creates the directories if needed and takes the network's lock (blocking).
    public static func open(_ location: StoreLocation) throws -> DiskAddressStore {
        let dataDir = location.dataDir
        let leasePath = location.leaseDirectory
        // Open first and create only what is missing: most calls find everything in place.
        let dataFD = try io("failed to open \(dataDir)") {
            try openCreating({ try FileDescriptor.openDirectory(dataDir) }, create: { try makeDirectories(dataDir, mode: 0o755) })
        }
        defer { dataFD.closeQuietly() }
        // An admin may have made the network directory a symlink; the reference follows it too.
        let leaseFD = try io("failed to open \(leasePath)") {
            try openCreating(
                { try dataFD.openDirectory(location.network, followSymlink: true) },
                create: { try dataFD.makeDirectory(location.network, mode: 0o700) })
        }
        let lockFD: FileDescriptor
        do {
            lockFD = try io("failed to open lock \(leasePath)/\(lockName)") {
                try leaseFD.openFile(lockName, O_RDWR | O_CREAT, mode: 0o600)
            }
            do {
                try io("failed to lock \(leasePath)/\(lockName)") { try lockFD.lockExclusive() }
            } catch {
                lockFD.closeQuietly()
                throw error
            }
        } catch {
            leaseFD.closeQuietly()
            throw error
        }
        return DiskAddressStore(location: location, leaseDir: leaseFD, lockFD: lockFD, cacheDir: openCache(dataFD, location.network))
    }

    /// Runs `body` with the store open and locked, and closes it (committing the index) after.
    public static func withStore<T>(_ location: StoreLocation, _ body: (DiskAddressStore) throws -> T) throws -> T {
        let store = try open(location)
        defer { store.close() }
        return try body(store)
    }

    private init(location: StoreLocation, leaseDir: FileDescriptor, lockFD: FileDescriptor, cacheDir: FileDescriptor?) {
        self.location = location
        self.leaseDir = leaseDir
        self.lockFD = lockFD
        self.cacheDir = cacheDir
    }

    deinit { close() }

    private static func openCreating(_ open: () throws -> FileDescriptor, create: () throws -> Void) throws -> FileDescriptor {
        do { return try open() } catch Errno.noSuchFileOrDirectory {}
        try create()
        return try open()
    }

    private static func openCache(_ dataFD: FileDescriptor, _ network: String) -> FileDescriptor? {
        let name = StoreLocation.cacheDirectoryName
        guard let root = try? openCreating({ try dataFD.openDirectory(name) }, create: { try dataFD.makeDirectory(name, mode: 0o700) })
        else { return nil }
        defer { root.closeQuietly() }
        return try? openCreating({ try root.openDirectory(network) }, create: { try root.makeDirectory(network, mode: 0o700) })
    }

    /// `mkdir -p`, failing with the errno alone (the caller names the path).
    private static func makeDirectories(_ path: String, mode: mode_t) throws(Errno) {
        do { try Files.makeDirectories(path, mode: mode) } catch { throw error.errno }
    }

    /// Writes the index back, removes scratch files and releases the lock.
    public func close() {
        guard !closed else { return }
        closed = true
        commitIndex()
        if let cacheDir {
            // A scratch lease a crashed call left behind goes with the next ADD's.
            if scratchOwner != nil { _ = try? cacheDir.unlink(Self.scratchLeaseName) }
            cacheDir.closeQuietly()
        }
        leaseDir.closeQuietly()
        lockFD.closeQuietly()
    }

    /// Throws when a lease could not be written now: a read-only or full file system.
    public func checkWritable() throws {
        var fs = statvfs()
        guard fstatvfs(leaseDir.rawValue, &fs) == 0 else { throw HostLocalError.io(Errno(rawValue: errno), "statfs \(location.leaseDirectory)") }
        if fs.f_flag & UInt(ST_RDONLY) != 0 { throw HostLocalError.io(.readOnlyFileSystem, location.leaseDirectory) }
        if fs.f_bavail == 0 || (fs.f_files > 0 && fs.f_favail == 0) {
            throw HostLocalError.io(.noSpace, location.leaseDirectory)
        }
    }

    func path(_ name: String) -> String { location.leaseDirectory + "/" + name }

    static func io<T>(_ what: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as Errno { throw HostLocalError.io(e, what()) }
    }

    func io<T>(_ what: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        try Self.io(what(), body)
    }

    // MARK: AddressStore

    public func reserve(_ ip: IPAddress, for owner: LeaseOwner, rangeSetIndex: Int) throws -> Bool {
        try loadIndex()
        let name = ip.description
        // The bucket must be in memory before it changes, or writing it back would drop its other leases.
        _ = try bucket(LeaseIndex.bucket(of: owner.containerID))
        guard try createLease(name, owner) else { return false }
        index!.add(LeaseIndex.Entry(address: name, owner: owner))
        try writeSmallFile(Self.lastReservedPrefix + String(rangeSetIndex), Array(name.utf8))
        return true
    }

    public func lastReservedIP(rangeSetIndex: Int) throws -> IPAddress? {
        let name = Self.lastReservedPrefix + String(rangeSetIndex)
        // Unreadable or garbage: the reference logs it and starts from the set's beginning.
        guard let bytes = try? leaseDir.readFile(name, limit: Self.smallFileLimit) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return IPAddress(String(text.filter { !$0.isWhitespace }))
    }

    public func addresses(heldBy owner: LeaseOwner) throws -> [IPAddress] {
        try verifiedEntries(of: owner.containerID)
            .filter { $0.owner == owner || $0.owner == owner.legacy }
            .compactMap { IPAddress($0.address) }
    }

    public func holdsLease(_ owner: LeaseOwner) throws -> Bool {
        func holds() throws -> Bool {
            try verifiedEntries(of: owner.containerID).contains { $0.owner == owner || $0.owner == owner.legacy }
        }
        if try holds() { return true }
        // A miss fails CHECK: make sure it is not the cache's.
        if index?.complete == true { return false }
        try rebuildIndex()
        return try holds()
    }

    @discardableResult
    public func release(_ owner: LeaseOwner) throws -> [IPAddress] {
        let entries = try verifiedEntries(of: owner.containerID)
        var targets = entries.filter { $0.owner == owner }
        if targets.isEmpty { targets = entries.filter { $0.owner == owner.legacy } }
        var released: [IPAddress] = []
        var failures: [String] = []
        for entry in targets {
            do {
                try removeLease(entry)
                if let ip = IPAddress(entry.address) { released.append(ip) }
            } catch let error as HostLocalError {
                failures.append(error.message)
            }
        }
        if !failures.isEmpty { throw HostLocalError(.io(.ioError), failures.joined(separator: ";")) }
        return released
    }

    public func release(_ ip: IPAddress, heldBy owner: LeaseOwner) throws {
        try loadIndex()
        let name = ip.description
        leaseFilesRead += 1
        guard let bytes = try io("failed to read \(path(name))", { try leaseDir.readFile(name, limit: Self.smallFileLimit) }),
            LeaseOwner.parse(leaseContent: bytes) == owner
        else { return }
        try removeLease(LeaseIndex.Entry(address: name, owner: owner))
    }

    public func allLeases() throws -> [Lease] {
        try ensureComplete()
        var out: [Lease] = []
        for entries in index!.buckets.values {
            for e in entries { if let ip = IPAddress(e.address) { out.append(Lease(address: ip, owner: e.owner)) } }
        }
        for name in index!.ownerless { if let ip = IPAddress(name) { out.append(Lease(address: ip, owner: nil)) } }
        return out.sorted { $0.address < $1.address }
    }

    public func remove(_ lease: Lease) throws {
        try loadIndex()
        let name = lease.address.description
        if let owner = lease.owner {
            try removeLease(LeaseIndex.Entry(address: name, owner: owner))
        } else {
            try unlinkLease(name)
            index!.ownerless.remove(name)
        }
    }

    @discardableResult
    public func reclaimOwnerlessLeases() throws -> Int {
        try ensureComplete()
        var count = 0
        for name in index!.ownerless.sorted() {
            try unlinkLease(name)
            index!.ownerless.remove(name)
            count += 1
        }
        return count
    }

    // MARK: Files

    /// Creates lease `name` for `owner` unless it exists: false when it does.
    private func createLease(_ name: String, _ owner: LeaseOwner) throws -> Bool {
        let content = Array(owner.leaseContent.utf8)
        if let cacheDir, !directWrites {
            if scratchOwner != owner {
                // Never rewrite a scratch file in place: after a crash it may be linked to a lease.
                try io("failed to remove scratch lease") { _ = try cacheDir.unlink(Self.scratchLeaseName) }
                try io("failed to write scratch lease") {
                    try cacheDir.writeFile(Self.scratchLeaseName, content, exclusive: true)
                }
                scratchOwner = owner
            }
            do {
                guard try cacheDir.link(Self.scratchLeaseName, to: leaseDir, as: name) else { return false }
                leaseDirChanged = true
                scratchOwner = nil
                _ = try? cacheDir.unlink(Self.scratchLeaseName)
                return true
            } catch where error == .improperLink || error == .notPermitted || error == .notSupported {
                directWrites = true
            } catch {
                throw HostLocalError.io(error, "failed to create \(path(name))")
            }
        }
        // The reference's way: O_EXCL create, then write, removing the file if the write fails.
        let fd: FileDescriptor
        do {
            fd = try leaseDir.openFile(name, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        } catch .fileExists {
            return false
        } catch {
            throw HostLocalError.io(error, "failed to create \(path(name))")
        }
        leaseDirChanged = true
        defer { fd.closeQuietly() }
        do {
            _ = fchmod(fd.rawValue, 0o600)
            try fd.writeAll(content)
        } catch {
            // An empty lease left behind would be unknown to the index: distrust it then.
            if (try? leaseDir.unlink(name)) == nil { indexTrusted = false }
            throw HostLocalError.io(error, "failed to write \(path(name))")
        }
        return true
    }

    private func removeLease(_ entry: LeaseIndex.Entry) throws {
        _ = try bucket(LeaseIndex.bucket(of: entry.owner.containerID))
        try unlinkLease(entry.address)
        index!.remove(entry)
    }

    private func unlinkLease(_ name: String) throws {
        try loadIndex()
        if try io("failed to remove \(path(name))", { try leaseDir.unlink(name) }) {
            leaseDirChanged = true
        }
    }

    /// Rewrites a small file of the lease directory (last_reserved_ip.N) in place, as the reference
    /// does (it truncates; a torn write reads as garbage, which both sides ignore).
    private func writeSmallFile(_ name: String, _ bytes: [UInt8]) throws {
        try io("failed to write \(path(name))") { try leaseDir.replaceFile(name, with: bytes) }
    }
}
