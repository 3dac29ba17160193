package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// ErrNotChecked says a plugin cannot check a config section without
// starting: it declares no config type (sdk Description.Config), as a
// plugin built with an older sdk does not.
var ErrNotChecked = errors.New("not checked: the plugin declares no config type it could check before it starts")

// ConfigError is a plugin's refusal of its config section, in its words.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// CheckConfig starts a plugin just long enough to have it decode and
// validate its config section (the CheckConfig RPC), for `switchboard
// config check`. A *ConfigError names the plugin's problem in its own words:
// the misspelt key, the value of the wrong type.
func CheckConfig(ctx context.Context, executable string, s Spec, log hclog.Logger) error {
	h := New(Config{Executable: executable, CallTimeout: 10 * time.Second, StartTimeout: 30 * time.Second}, Deps{}, log)
	defer h.Stop()
	in, err := h.spawn(ctx, s)
	if err != nil {
		return err
	}
	defer in.stop()
	if !in.manifestOf().GetChecksConfig() {
		return ErrNotChecked
	}
	raw, err := json.Marshal(s.Config)
	if err != nil {
		return fmt.Errorf("encoding the config section: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.CallTimeout)
	defer cancel()
	if _, err := in.remoteOf().client.CheckConfig(ctx, &pluginv1.CheckConfigRequest{ConfigJson: raw}); err != nil {
		return &ConfigError{Msg: status.Convert(err).Message()}
	}
	return nil
}
