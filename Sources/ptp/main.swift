import CNI
import PTP

PluginMain.run(PTPPlugin(), about: "CNI ptp plugin (swift-cni)")
