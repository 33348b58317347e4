package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// seedASG creates a VPC, a subnet, a launch template and an ASG "web" of
// two instances in region.
func seedASG(ctx context.Context, t *testing.T, cfg aws.Config) {
	t.Helper()
	e := ec2.NewFromConfig(cfg)
	vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.9.1.0/24"), AvailabilityZone: aws.String(cfg.Region + "a")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("lt"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-12c6146b")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := autoscaling.NewFromConfig(cfg).CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("web"), MinSize: aws.Int32(0), MaxSize: aws.Int32(4), DesiredCapacity: aws.Int32(2),
		LaunchTemplate:    &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("lt")},
		VPCZoneIdentifier: sn.Subnet.SubnetId,
	}); err != nil {
		t.Fatal(err)
	}
}

// motoEnv points the AWS SDK at endpoint with dummy credentials, ignoring
// the user's AWS files and console configuration.
func motoEnv(t *testing.T, dir, endpoint string) {
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
}

// TestInventoryJSONFromMoto runs `console inventory --json --regions ...`
// against moto, the endpoint given by AWS_ENDPOINT_URL or by the config
// file's aws.endpoint_url.
func TestInventoryJSONFromMoto(t *testing.T) {
	m := lab.Moto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seedASG(ctx, t, m.Config(ctx, "us-east-1"))
	seedASG(ctx, t, m.Config(ctx, "eu-west-1"))

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "console.yaml")
	yaml := "environments:\n  lab:\n    regions: [us-east-1, eu-west-1]\n    aws:\n      endpoint_url: " + m.URL + "\n      refresh: 1m\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		endpoint string // AWS_ENDPOINT_URL
	}{
		{"AWS_ENDPOINT_URL and --regions", []string{"inventory", "--json", "--regions", "us-east-1,eu-west-1"}, m.URL},
		{"config file endpoint_url", []string{"--config", cfgPath, "inventory", "--json"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			motoEnv(t, dir, tc.endpoint)
			var out, errb bytes.Buffer
			if code := run(tc.args, strings.NewReader(""), &out, &errb); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var inv providers.Inventory
			if err := json.Unmarshal(out.Bytes(), &inv); err != nil {
				t.Fatalf("bad JSON: %v", err)
			}
			regions := map[string]string{}
			for _, r := range inv.Regions {
				regions[r.Name] = r.Error
			}
			asgs, inst := 0, 0
			for _, g := range inv.AutoscalingGroups {
				if g.Name == "web" && g.Desired == 2 && g.InService == 2 && g.LaunchTemplate == "lt" {
					asgs++
				}
			}
			for _, in := range inv.Instances {
				if in.ASG == "web" && in.PrivateIP != "" {
					inst++
				}
			}
			e1, ok1 := regions["us-east-1"]
			e2, ok2 := regions["eu-west-1"]
			if !ok1 || !ok2 || e1 != "" || e2 != "" || asgs != 2 || inst != 4 {
				t.Errorf("regions %v, web ASGs %d (want 2), web instances %d (want 4)", regions, asgs, inst)
			}
			if len(inv.Sources) != 1 || inv.Sources[0].Kind != "aws" || inv.Sources[0].Status != providers.StatusOK {
				t.Errorf("sources %+v", inv.Sources)
			}
		})
	}
}
