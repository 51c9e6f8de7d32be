import CNI
import VRF

PluginMain.run(VRFPlugin(), about: "CNI vrf plugin (swift-cni)")
