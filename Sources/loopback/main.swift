import CNI
import Loopback

PluginMain.run(LoopbackPlugin(), about: "CNI loopback plugin (swift-cni)")
