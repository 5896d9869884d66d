package compute

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/network"
)

// EgressNetwork is the Docker bridge network egress jobs run on, created on
// first use; EgressBridge is its host interface, for firewall rules.
const (
	EgressNetwork = "kinetic-egress"
	EgressBridge  = "kinetic-egress0"
)

// Docker bridge driver options of EgressNetwork.
const (
	optICC        = "com.docker.network.bridge.enable_icc"
	optBridgeName = "com.docker.network.bridge.name"
)

// EgressLimitations says what the egress network does and does not
// isolate; EngineInfo carries it for the UI.
const EgressLimitations = "Egress jobs run on the " + EgressNetwork + " bridge with inter-container traffic disabled, " +
	"so they cannot reach each other. " +
	"They can still reach the host, the local network and link-local addresses such as the cloud metadata service 169.254.169.254: " +
	"blocking those needs firewall rules that this app does not install, for example " +
	"iptables -I DOCKER-USER -i " + EgressBridge + " -d 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,169.254.0.0/16,100.64.0.0/10 -j DROP " +
	"and iptables -I INPUT -i " + EgressBridge + " -j DROP."

// ErrEgressNetwork reports that EgressNetwork exists with settings that do
// not isolate jobs (made by someone else); egress jobs are refused.
var ErrEgressNetwork = errors.New("egress network misconfigured")

// ensureEgressNetwork creates EgressNetwork if it does not exist (a
// concurrent creation by another process is fine) and checks that it is a
// bridge with inter-container communication disabled.
func (e *Engine) ensureEgressNetwork(ctx context.Context) error {
	e.netMu.Lock()
	defer e.netMu.Unlock()
	n, err := e.cli.NetworkInspect(ctx, EgressNetwork, network.InspectOptions{})
	if cerrdefs.IsNotFound(err) {
		_, err = e.cli.NetworkCreate(ctx, EgressNetwork, network.CreateOptions{
			Driver:  "bridge",
			Options: map[string]string{optICC: "false", optBridgeName: EgressBridge},
			Labels:  map[string]string{"kinetic.network": "egress"},
		})
		if err != nil && !cerrdefs.IsConflict(err) {
			return fmt.Errorf("create network %s: %w", EgressNetwork, err)
		}
		n, err = e.cli.NetworkInspect(ctx, EgressNetwork, network.InspectOptions{})
	}
	if err != nil {
		return fmt.Errorf("inspect network %s: %w", EgressNetwork, err)
	}
	if n.Driver != "bridge" || n.Options[optICC] != "false" {
		return fmt.Errorf("%w: %s has driver %q and %s=%q, want bridge and false; remove it to let the app recreate it",
			ErrEgressNetwork, EgressNetwork, n.Driver, optICC, n.Options[optICC])
	}
	return nil
}
