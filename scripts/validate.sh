#!/usr/bin/env bash
# Static checks of the deployment: SAM template, CloudFormation lint, the state machine's
# ASL, and checkov's security checks. Offline: nothing here talks to AWS or anyone else.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.tools/venv/bin
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=eu-west-1 AWS_REGION=eu-west-1
export AWS_ACCESS_KEY_ID=validate-only AWS_SECRET_ACCESS_KEY=validate-only
export AWS_EC2_METADATA_DISABLED=true

echo "== sam validate --lint"
"$venv/sam" validate --lint --template template.yaml

echo "== cfn-lint"
"$venv/cfn-lint" template.yaml

echo "== asl-validator"
node_modules/.bin/asl-validator --json-path statemachine/guarded-invoke.asl.json

echo "== checkov (offline: --skip-download)"
.tools/checkov-venv/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download
