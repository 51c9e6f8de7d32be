import CNI
import DHCP

// `dhcp daemon [flags]` runs the daemon; anything else is a plugin request.
DHCPDaemon.runIfRequested()
PluginMain.run(DHCPPlugin(), about: "CNI dhcp plugin (swift-cni)")
