import CNI
import DHCP

// `dhcp daemon [flags]` runs the daemon; anything else is a plugin request.
let arguments = CommandLine.arguments
if arguments.count > 1 && arguments[1] == "daemon" {
    DHCPDaemon.main(Array(arguments.dropFirst(2)))
}
PluginMain.run(DHCPPlugin(), about: "CNI dhcp plugin (swift-cni)")
