import CNI
import HostDevice

PluginMain.run(HostDevicePlugin(), about: "CNI host-device plugin (swift-cni)")
