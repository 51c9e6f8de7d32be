import ArgumentParser
import Glibc

/// cnitool: runs a network's CNI plugins against a network namespace, as a container runtime
/// does, for trying networks by hand. A thin CLI over CNIRuntime.
@main
struct CNITool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnitool",
        abstract: "Add, check or remove a container's network interface by running CNI plugins, as a container runtime does.",
        discussion: """
            The network is looked up by name in NETCONFPATH (*.conflist first, then single-plugin \
            *.conf/*.json), its plugins are found in CNI_PATH and run in order (DEL in reverse), and the \
            result is cached so that CHECK and DEL replay it, exactly as containerd and CRI-O do through \
            libcni. The container ID is derived from the netns path, as upstream cnitool derives it.

            ENVIRONMENT
              NETCONFPATH  network configs directory (default /etc/cni/net.d)
              CNI_PATH     ':'-separated directories holding the plugins
              CNI_ARGS     extra plugin arguments: K=V;K=V (IgnoreUnknown=1;IP=…)
              CAP_ARGS     capability args, a JSON object:
                           '{"portMappings":[{"hostPort":8080,"containerPort":80}]}'
              CNI_IFNAME   interface name when -i is not given (default eth0)

            EXAMPLES
              cnitool netns add cnitest
              CNI_PATH=/usr/lib/cni cnitool add myptp /var/run/netns/cnitest
              ip -n cnitest addr
              CNI_PATH=/usr/lib/cni cnitool check myptp cnitest
              CNI_PATH=/usr/lib/cni cnitool del myptp cnitest
              cnitool list --json
              cnitool netns del cnitest
            """,
        subcommands: [Add.self, Check.self, Del.self, GC.self, Status.self, List.self, Netns.self, Completion.self])

    @OptionGroup var global: GlobalOptions

    /// Parses and runs like `ParsableCommand.main()`, but every failure exits 1 with one line on
    /// stderr, as upstream cnitool does (ArgumentParser would use 64 for usage errors).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }  // --help and friends
            if let code = error as? ExitCode { Glibc.exit(code.rawValue) }
            Output.stderr(message(for: error) + " (see 'cnitool --help')")
            Glibc.exit(1)
        }
    }
}

/// Options every command takes, before or after the subcommand.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Result cache directory.", valueName: "dir"))
    var cacheDir: String = "/var/lib/cni"

    @Option(name: [.short, .long], help: ArgumentHelp("Interface name inside the namespace (default: $CNI_IFNAME or eth0).", valueName: "name"))
    var ifname: String?

    @Flag(name: .long, help: "Print machine-readable JSON on stdout.")
    var json = false
}

/// `cnitool completion bash|zsh|fish`, as upstream's cobra CLI offers it.
struct Completion: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a shell completion script.",
        discussion: "EXAMPLE\n  cnitool completion bash > /etc/bash_completion.d/cnitool")

    @Argument(help: "bash, zsh or fish.") var shell: String

    func run() throws {
        guard let kind = CompletionShell(rawValue: shell) else {
            throw ValidationError("unsupported shell \"\(shell)\" (bash, zsh or fish)")
        }
        print(CNITool.completionScript(for: kind))
    }
}
