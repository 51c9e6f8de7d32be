/// A cache of the lease directory, kept so that ADD, DEL and CHECK read a few small files instead
/// of every lease (the reference reads them all on each call). The lease files stay the truth:
/// every hit is confirmed by reading that one lease, and the whole cache is thrown away and
/// rebuilt from the leases whenever the lease directory changed behind our back (see `Stamp`).
///
/// On disk, in `<dataDir>/.swift-cni/<network>/` (outside the lease directory, so the reference's
/// recursive walk, which deletes every file whose content is `id\r\nifname`, never sees it):
/// - `b-00` … `b-ff`: one bucket per hash of the container ID, a line `<ip> <containerID> [<ifname>]`
///   per lease (no ifname: a legacy lease); an empty bucket is an empty or missing file;
/// - `state`: the format line, the lease directory's `Stamp`, the hash of every non-empty bucket,
///   the names of ownerless leases, and a checksum of all that.
/// Files are rewritten in place (see `FileDescriptor.replaceFile(_:with:mode:)`); the hashes make a torn or lost write
/// of any of them, by a crash or a power cut, read as "no cache" rather than as wrong answers.
struct LeaseIndex {
    static let bucketCount = 256
    static let formatLine = "swift-cni host-local index 2 \(bucketCount)"

    struct Entry: Hashable {
        /// The lease file's name: the address as the reference prints it.
        var address: String
        var owner: LeaseOwner
    }

    /// Buckets read so far (or all of them once `complete`).
    var buckets: [Int: [Entry]] = [:]
    /// Buckets changed since they were read, to be written back.
    var dirty: Set<Int> = []
    /// Lease files whose content names no owner.
    var ownerless: Set<String> = []
    /// FNV-1a of each non-empty bucket's file, as `state` records them.
    var hashes: [Int: UInt64] = [:]
    /// True when built from the lease directory itself: every bucket is in memory.
    var complete = false

    /// FNV-1a: stable across runs and builds, unlike Hasher.
    static func fnv<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    static func bucket(of containerID: String) -> Int {
        Int(fnv(containerID.utf8) % UInt64(bucketCount))
    }

    static func bucketFileName(_ b: Int) -> String {
        let hex = String(b, radix: 16)
        return "b-" + (hex.count < 2 ? "0" + hex : hex)
    }

    mutating func add(_ entry: Entry) {
        let b = Self.bucket(of: entry.owner.containerID)
        buckets[b, default: []].append(entry)
        dirty.insert(b)
    }

    mutating func remove(_ entry: Entry) {
        let b = Self.bucket(of: entry.owner.containerID)
        buckets[b]?.removeAll { $0 == entry }
        dirty.insert(b)
    }

    // MARK: Encoding

    static func encode(_ entries: [Entry]) -> [UInt8] {
        var text = ""
        for e in entries {
            text += e.address + " " + e.owner.containerID
            if let ifname = e.owner.ifname { text += " " + ifname }
            text += "\n"
        }
        return Array(text.utf8)
    }

    /// nil when the bucket is not one we wrote: the caller then rebuilds everything.
    static func decode(_ bytes: [UInt8]) -> [Entry]? {
        var out: [Entry] = []
        for line in bytes.split(separator: 10) {
            let fields = line.split(separator: 32)
            guard fields.count == 2 || fields.count == 3,
                let address = String(validating: fields[0], as: UTF8.self),
                let id = String(validating: fields[1], as: UTF8.self)
            else { return nil }
            var ifname: String? = nil
            if fields.count == 3 {
                guard let name = String(validating: fields[2], as: UTF8.self) else { return nil }
                ifname = name
            }
            out.append(Entry(address: address, owner: LeaseOwner(unchecked: id, ifname: ifname)))
        }
        return out
    }

    /// What the lease directory looked like right after our last change. Any later create, remove
    /// or rename in it moves its mtime and ctime on, and the cache no longer matches. Timestamps are
    /// coarse (a clock tick of 1–10 ms), so a change in the same tick as ours could leave them
    /// unchanged; hence `mtime` is not the kernel's but a marker we set just *before* the current
    /// tick, which no later natural change can produce (see DiskAddressStore.commitIndex).
    struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var mtime: (sec: Int, nsec: Int)
        var ctime: (sec: Int, nsec: Int)

        static func == (a: Stamp, b: Stamp) -> Bool {
            a.device == b.device && a.inode == b.inode && a.mtime == b.mtime && a.ctime == b.ctime
        }

        var text: String {
            "\(device) \(inode) \(mtime.sec) \(mtime.nsec) \(ctime.sec) \(ctime.nsec)"
        }

        init(device: UInt64, inode: UInt64, mtime: (sec: Int, nsec: Int), ctime: (sec: Int, nsec: Int)) {
            self.device = device
            self.inode = inode
            self.mtime = mtime
            self.ctime = ctime
        }

        init?(text: Substring) {
            let f = text.split(separator: " ")
            guard f.count == 6, let d = UInt64(f[0]), let i = UInt64(f[1]), let ms = Int(f[2]), let mn = Int(f[3]),
                let cs = Int(f[4]), let cn = Int(f[5])
            else { return nil }
            self.init(device: d, inode: i, mtime: (ms, mn), ctime: (cs, cn))
        }
    }

    static func encodeState(_ stamp: Stamp, hashes: [Int: UInt64], ownerless: Set<String>) -> [UInt8] {
        var text = formatLine + "\n" + stamp.text + "\n"
        for (b, h) in hashes.sorted(by: { $0.key < $1.key }) { text += "h \(b) \(String(h, radix: 16))\n" }
        for name in ownerless.sorted() { text += "o \(name)\n" }
        text += "c \(String(fnv(text.utf8), radix: 16))\n"
        return Array(text.utf8)
    }

    /// nil unless the whole state is there and intact.
    static func decodeState(_ bytes: [UInt8]) -> (stamp: Stamp, hashes: [Int: UInt64], ownerless: Set<String>)? {
        guard let checkStart = bytes.dropLast().lastIndex(of: 10).map({ $0 + 1 }),
            let last = String(validating: bytes[checkStart...], as: UTF8.self), last.hasPrefix("c "),
            let sum = UInt64(last.dropFirst(2).dropLast(), radix: 16), sum == fnv(bytes[..<checkStart])
        else { return nil }
        let lines = String(decoding: bytes[..<checkStart], as: UTF8.self).split(separator: "\n")
        guard lines.count >= 2, lines[0] == formatLine, let stamp = Stamp(text: lines[1]) else { return nil }
        var hashes: [Int: UInt64] = [:]
        var ownerless: Set<String> = []
        for line in lines.dropFirst(2) {
            let f = line.split(separator: " ")
            if f.count == 3, f[0] == "h", let b = Int(f[1]), let h = UInt64(f[2], radix: 16) {
                hashes[b] = h
            } else if f.count == 2, f[0] == "o" {
                ownerless.insert(String(f[1]))
            } else {
                return nil
            }
        }
        return (stamp, hashes, ownerless)
    }
}
