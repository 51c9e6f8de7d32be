import Bridge
import CNI

PluginMain.run(BridgePlugin(), about: "CNI bridge plugin (swift-cni)")
