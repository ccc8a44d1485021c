package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/insights-dev/insights/internal/config"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

const budgetUsage = `Usage: insights budget set --client ID --amount DECIMAL [config flags]

Sets a client's monthly budget in the client's currency; --amount 0 removes it.
`

// runBudget runs "insights budget set --client ID --amount DECIMAL".
func runBudget(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "set" {
		fmt.Fprint(stderr, budgetUsage)
		return errUsage
	}
	var clientID, amount string
	var rest []string
	args = args[1:]
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || (name != "client" && name != "amount") {
			rest = append(rest, args[i])
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return fmt.Errorf("budget: --%s needs a value", name)
			}
			i++
			val = args[i]
		}
		if name == "client" {
			clientID = val
		} else {
			amount = val
		}
	}
	if clientID == "" || amount == "" {
		fmt.Fprint(stderr, budgetUsage)
		return errors.New("budget: --client and --amount are required")
	}
	nanos, err := usage.ParsePlainDecimal(amount)
	if err != nil {
		return fmt.Errorf("budget: --amount: %w", err)
	}
	if nanos < 0 {
		return fmt.Errorf("budget: --amount must not be negative")
	}
	cfg, _, err := config.Load(getenv, rest, stderr)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DB, newLogger(stderr, cfg.LogLevel))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	cl, err := st.GetClient(ctx, store.AllClients(), clientID)
	if err != nil {
		return fmt.Errorf("budget: client %q: %w", clientID, err)
	}
	if nanos == 0 {
		if err := st.SetBudget(ctx, store.Budget{ClientID: cl.ID}); err != nil {
			return fmt.Errorf("budget: %w", err)
		}
		fmt.Fprintf(stdout, "budget of %s (%s) removed\n", cl.Name, cl.ID)
		return nil
	}
	chs, err := st.ListChannels(ctx, store.AllClients(), store.ChannelFilter{ClientIDs: []string{cl.ID}})
	if err != nil {
		return fmt.Errorf("budget: %w", err)
	}
	cur := spend.ClientCurrency(chs)
	if cur == "" {
		return fmt.Errorf("budget: client %q has no channel with a known currency yet; poll first", cl.ID)
	}
	if err := st.SetBudget(ctx, store.Budget{ClientID: cl.ID, Currency: cur, AmountNanos: nanos}); err != nil {
		return fmt.Errorf("budget: %w", err)
	}
	fmt.Fprintf(stdout, "monthly budget of %s (%s) set to %s %s\n", cl.Name, cl.ID, usage.FormatDecimal(nanos), cur)
	return nil
}
