# teamstack GPU node: NVIDIA driver, CUDA and container toolkit, containers, metrics agent.
# Bakes playbooks/gpu-node.yml into an AMI named teamstack-gpu-node-<version>-<timestamp>,
# owned by this account and tagged teamstack:image=gpu-node: what the Pulumi components look up
# (name "teamstack-gpu-node-*", owner "self", most recent). See images/README.md.
#
#   packer build -var version=1.4.0 -var-file=platform.pkrvars.hcl images/gpu-node.pkr.hcl
#
# Written for Packer >= 1.6.6 (Debian's), whose amazon and ansible plugins are built in.

variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "Region the AMI is built in (copy it elsewhere with ami_regions)."
}

variable "version" {
  type        = string
  default     = "0.0.0-dev"
  description = "Image version; part of the AMI name."
}

variable "base_os" {
  type        = string
  default     = "debian-12"
  description = "Base image family: debian-12 or ubuntu-24.04."
}

variable "instance_type" {
  type    = string
  default = "g5.xlarge"
}

variable "root_volume_gib" {
  type    = number
  default = 100
}

variable "subnet_id" {
  type        = string
  default     = ""
  description = "Build subnet (empty: the default VPC)."
}

variable "ssh_source_cidrs" {
  type        = list(string)
  default     = ["10.0.0.0/8"]
  description = "Who may reach the build instance's SSH port (Packer's temporary security group). Never the world: Packer's default, 0.0.0.0/0, is refused. Build from inside the VPC or over the VPN."
  validation {
    condition     = length(var.ssh_source_cidrs) > 0 && ! contains(var.ssh_source_cidrs, "0.0.0.0/0") && ! contains(var.ssh_source_cidrs, "::/0")
    error_message = "The ssh_source_cidrs must name the builder's own ranges; 0.0.0.0/0 opens SSH to the internet."
  }
}

variable "kms_key_id" {
  type        = string
  default     = ""
  description = "KMS key for the AMI's snapshots (empty: the account's default EBS key)."
}

variable "ami_users" {
  type        = list(string)
  default     = []
  description = "Other accounts allowed to launch the image (none by default)."
}

variable "ansible_vars_file" {
  type        = string
  default     = ""
  description = "YAML file of role variables (artifact URLs and sha256s, team settings) passed with --extra-vars @file."
}

locals {
  stamp = formatdate("YYYYMMDDhhmmss", timestamp())
  base = {
    "debian-12" = {
      name  = "debian-12-amd64-*"
      owner = "136693071363"
      user  = "admin"
      root  = "/dev/xvda"
    }
    "ubuntu-24.04" = {
      name  = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"
      owner = "099720109477"
      user  = "ubuntu"
      root  = "/dev/sda1"
    }
  }
  extra_vars = var.ansible_vars_file == "" ? [] : ["--extra-vars", "@${var.ansible_vars_file}"]
}

source "amazon-ebs" "gpu_node" {
  region          = var.region
  instance_type   = var.instance_type
  subnet_id       = var.subnet_id
  # SSH to the build instance from the named ranges only (Packer opens 0.0.0.0/0 otherwise).
  temporary_security_group_source_cidrs = var.ssh_source_cidrs
  ami_name        = "teamstack-gpu-node-${var.version}-${local.stamp}"
  ami_description = "teamstack GPU node: NVIDIA driver, CUDA and container toolkit, containers, metrics agent (${var.version})"
  ami_users       = var.ami_users

  source_ami_filter {
    filters = {
      name                = local.base[var.base_os].name
      architecture        = "x86_64"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = [local.base[var.base_os].owner]
    most_recent = true
  }
  ssh_username = local.base[var.base_os].user

  # Encrypted snapshots. IMDSv2: Packer 1.6 has neither imds_support nor metadata_options,
  # so the image is marked "v2.0" (instances launched from it require tokens) by the
  # post-processor below; Pulumi also launches every instance with http_tokens=required.
  encrypt_boot = true
  kms_key_id   = var.kms_key_id

  launch_block_device_mappings {
    device_name           = local.base[var.base_os].root
    volume_size           = var.root_volume_gib
    volume_type           = "gp3"
    iops                  = 3000
    throughput            = 125
    encrypted             = true
    delete_on_termination = true
  }

  tags = {
    Name                = "teamstack-gpu-node-${var.version}"
    "teamstack:image"   = "gpu-node"
    "teamstack:version" = var.version
    "teamstack:base-os" = var.base_os
    "teamstack:source"  = "{{ .SourceAMI }}"
  }
  run_tags = {
    Name              = "packer-teamstack-gpu-node"
    "teamstack:image" = "gpu-node"
  }
}

build {
  sources = ["source.amazon-ebs.gpu_node"]

  provisioner "ansible" {
    playbook_file = "${path.root}/../playbooks/gpu-node.yml"
    # The play targets this inventory group, as it does on the AWS inventory.
    groups    = ["host_kind_gpu_node"]
    user      = local.base[var.base_os].user
    use_proxy = false
    ansible_env_vars = [
      "ANSIBLE_ROLES_PATH=${path.root}/../roles",
      "ANSIBLE_HOST_KEY_CHECKING=False",
      "ANSIBLE_FORCE_COLOR=false",
    ]
    extra_arguments = concat(["--become"], local.extra_vars)
  }

  post-processors {
    post-processor "manifest" {
      output     = "build/images/gpu-node-manifest.json"
      strip_path = true
    }
    # Require IMDSv2 on the AMI itself (ImdsSupport=v2.0), with the AWS CLI.
    post-processor "shell-local" {
      environment_vars = ["AWS_REGION=${var.region}", "MANIFEST=build/images/gpu-node-manifest.json"]
      inline = [
        "ami=$(python3 -c 'import json, os; m = json.load(open(os.environ[\"MANIFEST\"])); print(m[\"builds\"][-1][\"artifact_id\"].split(\":\")[1])')",
        "aws ec2 modify-image-attribute --region \"$AWS_REGION\" --image-id \"$ami\" --imds-support v2.0",
      ]
    }
  }
}
