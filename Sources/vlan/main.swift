import CNI
import VLAN

PluginMain.run(VLANPlugin(), about: "CNI vlan plugin (swift-cni)")
