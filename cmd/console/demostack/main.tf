# The demo's Terraform stack: terraform_data resources only (no provider
# to download, no cloud touched), so a stand-up can show plan, apply,
# rebuild (-replace) and recreate with the real terraform.
terraform {
  required_version = ">= 1.4"
}

variable "workers" {
  type    = number
  default = 8
}

resource "terraform_data" "network" {
  input = { vpc = "10.0.0.0/16", region = "us-east-1" }
}

resource "terraform_data" "workers" {
  input            = { asg = "demo-use1-workers", desired = var.workers }
  triggers_replace = [terraform_data.network.id]
}

resource "terraform_data" "bastion" {
  input            = { instance = "demo-bastion", subnet = "public-a" }
  triggers_replace = [terraform_data.network.id]
}

output "workers_id" {
  value = terraform_data.workers.id
}
