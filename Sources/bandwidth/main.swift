import Bandwidth
import CNI

PluginMain.run(BandwidthPlugin(), about: "CNI bandwidth plugin (swift-cni)")
