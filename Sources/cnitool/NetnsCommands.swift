import ArgumentParser
import CNI
import CNIRuntime
import LinuxNet

struct Netns: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make, remove and list named network namespaces (/var/run/netns), like ip netns.",
        discussion: """
            EXAMPLES
              cnitool netns add cnitest
              cnitool netns list
              cnitool netns del cnitest
            """,
        subcommands: [NetnsAdd.self, NetnsDel.self, NetnsList.self])
}

struct NetnsAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create a named network namespace (ip netns add NAME).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The namespace's name.") var name: String

    func run() throws {
        do {
            let path = try NamedNetworkNamespace.create(name)
            if global.json { Output.json(["name": .string(name), "path": .string(path)]) }
        } catch {
            throw Output.fail(RuntimeError(error.description), json: global.json)
        }
    }
}

struct NetnsDel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "del", abstract: "Remove a named network namespace (ip netns del NAME).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The namespace's name.") var name: String

    func run() throws {
        do {
            try NamedNetworkNamespace.delete(name)
            if global.json { Output.json(["name": .string(name), "deleted": true]) }
        } catch {
            throw Output.fail(RuntimeError(error.description), json: global.json)
        }
    }
}

struct NetnsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List named network namespaces (ip netns list).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        do {
            let names = try NamedNetworkNamespace.list()
            if global.json {
                Output.json(.array(names.map {
                    ["name": .string($0), "path": .string(NamedNetworkNamespace.defaultDirectory + "/" + $0)]
                }))
            } else if !names.isEmpty {
                Output.stdout(names.joined(separator: "\n"))
            }
        } catch {
            throw Output.fail(RuntimeError(error.description), json: global.json)
        }
    }
}
