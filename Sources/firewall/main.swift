import CNI
import FirewallPlugin

PluginMain.run(FirewallPlugin(), about: "CNI firewall plugin (swift-cni)")
