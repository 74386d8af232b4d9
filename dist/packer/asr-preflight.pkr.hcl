# Validate a golden image against the Azure Site Recovery prerequisites while Packer builds it.
#
# The shell provisioner runs the installer's run-once mode inside the machine being built:
# it downloads the static binary, verifies its SHA-256, runs the checks, writes a JUnit report
# and removes the binary again, so nothing of asr-preflight stays in the image. The report is
# downloaded next to the build, and the last step fails the build when the image is not ready.
#
#   packer init . && packer build -var asr_preflight_url=https://RELEASES/asr-preflight/latest .
#
# Replace source "null" "guest" below with your builder (azure-arm, vsphere-iso, qemu, ...);
# the provisioners work with any Linux source reachable over SSH.

packer {
  required_version = ">= 1.7.0"
}

variable "asr_preflight_url" {
  type        = string
  description = "Where the asr-preflight release assets are (install.sh, the binary, SHA256SUMS)."
}

variable "asr_preflight_args" {
  type        = string
  default     = "--scenario vmware-to-azure"
  description = "Options of `asr-preflight check`, e.g. --scenario, --matrix, --strict."
}

variable "asr_preflight_report" {
  type        = string
  default     = "/tmp/asr-preflight.xml"
  description = "Where the JUnit report is written inside the machine."
}

variable "ssh_host" {
  type    = string
  default = "192.0.2.10"
}

source "null" "guest" {
  communicator = "ssh"
  ssh_host     = var.ssh_host
  ssh_username = "root"
}

build {
  sources = ["source.null.guest"]

  # Run once: download, verify, check, remove. The exit code (0 ready, 1 not ready, 2 could not
  # run) is kept for the last step, so that the report is downloaded in every case.
  provisioner "shell" {
    environment_vars = [
      "ASR_PREFLIGHT_URL=${var.asr_preflight_url}",
      "ASR_PREFLIGHT_ARGS=${var.asr_preflight_args}",
      "ASR_PREFLIGHT_REPORT=${var.asr_preflight_report}",
    ]
    inline = [
      "rc=0",
      "{ curl -fsSL \"$ASR_PREFLIGHT_URL/install.sh\" || wget -qO- \"$ASR_PREFLIGHT_URL/install.sh\"; } | sh -s -- --run --format junit --output \"$ASR_PREFLIGHT_REPORT\" $ASR_PREFLIGHT_ARGS || rc=$?",
      "echo \"$rc\" > \"$ASR_PREFLIGHT_REPORT.rc\"",
      "echo \"asr-preflight: exit $rc (0 ready, 1 not ready, 2 could not run)\"",
    ]
  }

  # The JUnit report, next to the build: CI systems show it as test results.
  provisioner "file" {
    direction   = "download"
    source      = var.asr_preflight_report
    destination = "asr-preflight-${source.name}.xml"
  }

  # Gate: remove the report from the image and fail the build unless the image is ready.
  # Leave this step out to record the report without gating.
  provisioner "shell" {
    environment_vars = ["ASR_PREFLIGHT_REPORT=${var.asr_preflight_report}"]
    inline = [
      "rc=$(cat \"$ASR_PREFLIGHT_REPORT.rc\")",
      "rm -f \"$ASR_PREFLIGHT_REPORT\" \"$ASR_PREFLIGHT_REPORT.rc\"",
      "exit \"$rc\"",
    ]
  }
}
