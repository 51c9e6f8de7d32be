// libcnitool: upstream cnitool's add/check/del/gc/status on Debian's libcni, with the cache
// directory taken from LIBCNI_CACHE_DIR. Used only by scripts/libcni-compat.sh to record what real
// libcni sends to plugins and writes to its cache, as fixtures for swift-cni's tests.
package main

import (
	"context"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "%s\n", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) < 4 {
		return fmt.Errorf("usage: libcnitool add|check|del <net> <netns>")
	}
	netdir := os.Getenv("NETCONFPATH")
	if netdir == "" {
		netdir = "/etc/cni/net.d"
	}
	netconf, err := libcni.LoadConfList(netdir, os.Args[2])
	if err != nil {
		return err
	}
	var capabilityArgs map[string]interface{}
	if v := os.Getenv("CAP_ARGS"); len(v) > 0 {
		if err := json.Unmarshal([]byte(v), &capabilityArgs); err != nil {
			return err
		}
	}
	var cniArgs [][2]string
	if v := os.Getenv("CNI_ARGS"); len(v) > 0 {
		for _, pair := range strings.Split(v, ";") {
			kv := strings.Split(pair, "=")
			if len(kv) != 2 || kv[0] == "" || kv[1] == "" {
				return fmt.Errorf("invalid CNI_ARGS pair %q", pair)
			}
			cniArgs = append(cniArgs, [2]string{kv[0], kv[1]})
		}
	}
	ifName := os.Getenv("CNI_IFNAME")
	if ifName == "" {
		ifName = "eth0"
	}
	netns, err := filepath.Abs(os.Args[3])
	if err != nil {
		return err
	}
	s := sha512.Sum512([]byte(netns))
	rt := &libcni.RuntimeConf{
		ContainerID:    fmt.Sprintf("cnitool-%x", s[:10]),
		NetNS:          netns,
		IfName:         ifName,
		Args:           cniArgs,
		CapabilityArgs: capabilityArgs,
	}
	cninet := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(os.Getenv("CNI_PATH")), os.Getenv("LIBCNI_CACHE_DIR"), nil)
	switch os.Args[1] {
	case "add":
		result, err := cninet.AddNetworkList(context.TODO(), netconf, rt)
		if result != nil {
			_ = result.Print()
		}
		return err
	case "check":
		return cninet.CheckNetworkList(context.TODO(), netconf, rt)
	case "del":
		return cninet.DelNetworkList(context.TODO(), netconf, rt)
	}
	return fmt.Errorf("unknown command %q", os.Args[1])
}
