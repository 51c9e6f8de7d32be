import CNITestSupport
import Foundation
import Glibc
import LinuxNet
import Testing

@Suite struct NetworkNamespaceOpenTests {
    @Test func missingPathIsNotFoundAndNamesThePath() throws {
        let path = "/var/run/netns/swcni-missing-\(UInt32.random(in: 0...UInt32.max))"
        let error = try #require(throws: NamespaceError.self) { try NetworkNamespace.open(path: path) }
        #expect(error.code == .notFound)
        #expect(error.path == path && error.description.contains(path))
        #expect(error.errno == .noSuchFileOrDirectory)
    }

    @Test func directoryAndRegularFileAreNotNamespaces() throws {
        let directory = try #require(throws: NamespaceError.self) { try NetworkNamespace.open(path: "/tmp") }
        #expect(directory.code == .notANamespace && directory.description.contains("\"/tmp\""))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swcni-notns-\(getpid())").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(throws: NamespaceError.self) { try NetworkNamespace.open(path: file) }
        #expect((try? NetworkNamespace.open(path: file)) == nil)
    }

    @Test func otherNamespaceTypesAreNotNetworkNamespaces() throws {
        let error = try #require(throws: NamespaceError.self) { try NetworkNamespace.open(path: "/proc/self/ns/mnt") }
        #expect(error.code == .notANamespace)
    }

    @Test func currentIsTheCallersNamespace() throws {
        let current = try NetworkNamespace.current()
        #expect(try current.isCallerNamespace)
        #expect(try current.isSame(as: NetworkNamespace.open(path: "/proc/self/ns/net")))
        // perform runs inline for the caller's own namespace: no thread, no setns.
        let caller = pthread_self()
        #expect(try current.perform { pthread_equal(pthread_self(), caller) != 0 })
    }
}

@Suite(.enabled(if: isPrivileged)) struct NetworkNamespaceKernelTests {
    @Test func identityDistinguishesNamespaces() throws {
        try withTestNamespaces(2, prefix: "ln") { namespaces in
            let a = try NetworkNamespace.open(path: namespaces[0].path)
            let a2 = try NetworkNamespace.open(path: namespaces[0].path)
            let b = try NetworkNamespace.open(path: namespaces[1].path)
            #expect(try a.isSame(as: a2))
            #expect(try !a.isSame(as: b))
            #expect(try !a.isCallerNamespace)
            #expect(try !a.isSame(as: NetworkNamespace.current()))
        }
    }

    @Test func performRunsInsideOnAnotherThreadAndLeavesTheCallerAlone() throws {
        try withTestNamespaces(1, prefix: "ln") { namespaces in
            let namespace = try NetworkNamespace.open(path: namespaces[0].path)
            let before = try NetworkNamespace.current().identity
            let caller = pthread_self()
            let (inside, otherThread) = try namespace.perform {
                (try NetworkNamespace.current().identity, pthread_equal(pthread_self(), caller) == 0)
            }
            #expect(inside == (try namespace.identity))
            #expect(otherThread)
            #expect(try NetworkNamespace.current().identity == before)
            struct Marker: Error {}
            #expect(throws: Marker.self) { try namespace.perform { throw Marker() } }
        }
    }

    @Test func openNetlinkIsBoundInTheNamespace() throws {
        try withTestNamespaces(1, prefix: "ln") { namespaces in
            try Command.check(["ip", "-n", namespaces[0].name, "link", "add", "only-here", "type", "ifb"])
            let netlink = try NetworkNamespace.open(path: namespaces[0].path).openNetlink()
            #expect(try netlink.link(named: "only-here") != nil)
            #expect(try netlink.links().count == 2)  // lo and only-here: nothing of the host
        }
    }
}
