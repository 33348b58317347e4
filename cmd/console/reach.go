package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

func newReachCmd(a *app) *cobra.Command {
	var asJSON bool
	var port int
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "reach FROM TO --port P",
		Short: "Say whether FROM can reach TO on a TCP port, naming the rule that allows or blocks it (docs/aws.md)",
		Long: `Answers from the security groups, network ACLs and route tables of the estate whether TCP
traffic from FROM reaches TO on --port, and names the rule that allows it or the rule that
blocks it (or the rule that is missing). FROM and TO are an instance id or Name tag, a
Kubernetes node, "bastion", a load balancer, a database (its primary) or a database member.
Exit code 0 with an answer (allowed, blocked or unknown), 1 when an object's place in the
network is not known, 2 for an unknown object or a bad port.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if port < 1 || port > 65535 {
				return usageErrorf("--port %d: want 1-65535", port)
			}
			s, err := a.settings()
			if err != nil {
				return err
			}
			snap, err := waitSnapshot(cmd.Context(), s, timeout)
			if err != nil {
				return err
			}
			ans, err := providers.Reach(snap.Inv, args[0], args[1], port)
			if errors.Is(err, providers.ErrUnknownObject) {
				return usageErrorf("%v", err)
			} else if err != nil {
				return fmt.Errorf("reach: %w", err)
			}
			if asJSON {
				if err := sanitize.EncodeJSON(a.stdout, ans); err != nil {
					return fmt.Errorf("write answer: %w", err)
				}
				return nil
			}
			printReach(a, ans)
			return nil
		},
	}
	cmd.Flags().IntVar(&port, "port", 0, "the TCP port asked (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (documented in docs/aws.md)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for every source")
	_ = cmd.MarkFlagRequired("port")
	return cmd
}

func printReach(a *app, ans *providers.ReachAnswer) {
	w := a.stdout
	fmt.Fprintln(w, sanitize.Line(ans.From+" → "+ans.To+" tcp/"+strconv.Itoa(ans.Port)+": "+ans.Verdict))
	fmt.Fprintln(w, sanitize.Line("  "+ans.Reason))
	for _, st := range ans.Steps {
		mark := "✓"
		if !st.OK {
			mark = "✗"
		}
		line := "  " + mark + " " + st.Check
		if st.Rule != "" {
			line += ": " + st.Rule
		}
		if st.Detail != "" {
			line += " (" + st.Detail + ")"
		}
		fmt.Fprintln(w, sanitize.Line(line))
	}
	for _, as := range ans.Assumptions {
		fmt.Fprintln(w, sanitize.Line("  assumed: "+as))
	}
}
