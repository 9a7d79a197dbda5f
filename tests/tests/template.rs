//! The template's security guarantees, checked on the file itself so a change that
//! weakens them fails `make test` before it reaches `sam deploy`.
#![cfg(test)] // so the helpers below count as test code for clippy's unwrap lints

use serde_yaml::Value;

const TEMPLATE: &str = include_str!("../../template.yaml");

fn template() -> Value {
    serde_yaml::from_str(TEMPLATE).expect("template.yaml parses")
}

fn resources(t: &Value) -> Vec<(String, &Value)> {
    t["Resources"]
        .as_mapping()
        .expect("Resources is a mapping")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v))
        .collect()
}

fn of_type<'a>(t: &'a Value, ty: &str) -> Vec<(String, &'a Value)> {
    resources(t)
        .into_iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(ty))
        .collect()
}

/// `!GetAtt X.Arn` / `!Ref X` → `X`.
fn referenced(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(tagged) => {
            let name = tagged.value.as_str()?;
            Some(name.split('.').next()?.to_owned())
        }
        _ => None,
    }
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Sequence(s) => s.clone(),
        Value::Null => vec![],
        other => vec![other.clone()],
    }
}

fn all_statements(t: &Value) -> Vec<(String, Value)> {
    let mut out = vec![];
    for (name, role) in of_type(t, "AWS::IAM::Role") {
        for policy in as_list(&role["Properties"]["Policies"]) {
            for st in as_list(&policy["PolicyDocument"]["Statement"]) {
                out.push((name.clone(), st));
            }
        }
    }
    out
}

#[test]
fn every_function_has_its_own_role() {
    let t = template();
    let functions = of_type(&t, "AWS::Serverless::Function");
    assert_eq!(functions.len(), 6, "six Lambda functions");
    let mut roles = vec![];
    for (name, f) in &functions {
        let role = referenced(&f["Properties"]["Role"])
            .unwrap_or_else(|| panic!("{name} must name an explicit role"));
        assert_eq!(
            t["Resources"][role.as_str()]["Type"].as_str(),
            Some("AWS::IAM::Role"),
            "{name}'s role {role} is a role of this template"
        );
        roles.push(role);
        assert_eq!(
            f["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{name}"
        );
        assert!(
            f["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .is_some(),
            "{name} names its binary"
        );
        assert!(
            f["Properties"]["Policies"].is_null(),
            "{name} uses its role, not SAM policy templates"
        );
    }
    let unique: std::collections::BTreeSet<_> = roles.iter().collect();
    assert_eq!(
        unique.len(),
        roles.len(),
        "no two functions share a role: {roles:?}"
    );
}

#[test]
fn no_wildcard_actions_and_star_resources_only_where_aws_allows_nothing_narrower() {
    let t = template();
    // Actions that AWS does not scope to resources; "*" is the only valid resource for them.
    let unscoped_ok = [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    ];
    let statements = all_statements(&t);
    assert!(statements.len() > 10, "found the role statements");
    for (role, st) in statements {
        let actions: Vec<String> = as_list(&st["Action"])
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        for a in &actions {
            assert!(!a.contains('*'), "{role}: wildcard action `{a}`");
        }
        let star = as_list(&st["Resource"])
            .iter()
            .any(|r| r.as_str() == Some("*"));
        if star {
            for a in &actions {
                assert!(
                    unscoped_ok.contains(&a.as_str()),
                    "{role}: `{a}` on resource \"*\""
                );
            }
        }
        assert!(
            st["NotAction"].is_null() && st["NotResource"].is_null(),
            "{role}: no Not* statements"
        );
    }
}

/// Every `Action`/`NotAction` anywhere in the template (roles, key policy, …).
fn every_action(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Mapping(m) => {
            for (k, v) in m {
                if matches!(k.as_str(), Some("Action" | "NotAction")) {
                    out.extend(
                        as_list(v)
                            .iter()
                            .filter_map(|a| a.as_str().map(str::to_owned)),
                    );
                } else {
                    every_action(v, out);
                }
            }
        }
        Value::Sequence(s) => s.iter().for_each(|v| every_action(v, out)),
        Value::Tagged(t) => every_action(&t.value, out),
        _ => {}
    }
}

#[test]
fn no_wildcard_action_anywhere_in_the_template() {
    let mut actions = vec![];
    every_action(&template()["Resources"], &mut actions);
    assert!(actions.len() > 40, "found the policy documents");
    let wild: Vec<_> = actions.iter().filter(|a| a.contains('*')).collect();
    assert!(wild.is_empty(), "wildcard actions: {wild:?}");
}

#[test]
fn the_agent_may_invoke_only_the_order_status_tool() {
    let t = template();
    let permissions = of_type(&t, "AWS::Lambda::Permission");
    let bedrock: Vec<_> = permissions
        .iter()
        .filter(|(_, p)| p["Properties"]["Principal"].as_str() == Some("bedrock.amazonaws.com"))
        .collect();
    assert_eq!(
        bedrock.len(),
        1,
        "exactly one function is callable by Bedrock"
    );
    let p = &bedrock[0].1["Properties"];
    assert_eq!(
        referenced(&p["FunctionName"]).as_deref(),
        Some("GetOrderStatusFunction")
    );
    assert_eq!(
        referenced(&p["SourceArn"]).as_deref(),
        Some("SupportAgent"),
        "SourceArn is the agent's ARN"
    );
    assert!(!p["SourceAccount"].is_null());

    let agent_role =
        referenced(&t["Resources"]["SupportAgent"]["Properties"]["AgentResourceRoleArn"]).unwrap();
    for (role, st) in all_statements(&t)
        .into_iter()
        .filter(|(r, _)| *r == agent_role)
    {
        let actions: Vec<_> = as_list(&st["Action"])
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        if actions.iter().any(|a| a.starts_with("lambda:")) {
            let targets: Vec<_> = as_list(&st["Resource"])
                .iter()
                .filter_map(referenced)
                .collect();
            assert_eq!(targets, vec!["GetOrderStatusFunction".to_owned()], "{role}");
        }
    }
    let groups = as_list(&t["Resources"]["SupportAgent"]["Properties"]["ActionGroups"]);
    assert_eq!(groups.len(), 1, "the agent has one action group");
    assert_eq!(
        referenced(&groups[0]["ActionGroupExecutor"]["Lambda"]).as_deref(),
        Some("GetOrderStatusFunction")
    );
}

#[test]
fn every_log_group_is_encrypted_with_retention_and_every_function_logs_to_one() {
    let t = template();
    let groups = of_type(&t, "AWS::Logs::LogGroup");
    assert!(
        groups.len() >= 8,
        "audit, state machine and one per function"
    );
    for (name, g) in &groups {
        assert!(
            !g["Properties"]["KmsKeyId"].is_null(),
            "{name} is KMS-encrypted"
        );
        assert!(
            !g["Properties"]["RetentionInDays"].is_null(),
            "{name} has retention"
        );
    }
    for (name, f) in of_type(&t, "AWS::Serverless::Function") {
        let group = referenced(&f["Properties"]["LoggingConfig"]["LogGroup"]).unwrap();
        assert!(
            groups.iter().any(|(g, _)| *g == group),
            "{name} logs to a managed group"
        );
        assert_eq!(
            f["Properties"]["LoggingConfig"]["LogFormat"].as_str(),
            Some("JSON")
        );
    }
}

#[test]
fn data_at_rest_is_encrypted_and_tables_recoverable() {
    let t = template();
    for (name, table) in of_type(&t, "AWS::DynamoDB::Table") {
        let p = &table["Properties"];
        assert_eq!(
            p["SSESpecification"]["SSEType"].as_str(),
            Some("KMS"),
            "{name}"
        );
        assert_eq!(
            p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
            Some(true),
            "{name}"
        );
    }
    for (name, q) in of_type(&t, "AWS::SQS::Queue") {
        assert!(!q["Properties"]["KmsMasterKeyId"].is_null(), "{name}");
    }
    for (name, topic) in of_type(&t, "AWS::SNS::Topic") {
        assert!(!topic["Properties"]["KmsMasterKeyId"].is_null(), "{name}");
    }
}

#[test]
fn deployment_is_pinned_to_allowed_regions() {
    let t = template();
    assert!(!t["Rules"]["RegionIsAllowed"]["Assertions"].is_null());
    let env = &t["Globals"]["Function"]["Environment"]["Variables"];
    assert!(
        !env["ALLOWED_REGIONS"].is_null(),
        "functions get ALLOWED_REGIONS"
    );
}

/// The redaction key reaches exactly the two functions that seal and open the map, and
/// only when the deployer names a secret: they get the secret's ARN (never the key, and
/// never a dynamic reference that would resolve the key into their configuration) and a
/// role that may read that one secret.
#[test]
fn only_the_preprocessor_and_validator_may_read_the_redaction_key_secret() {
    let t = template();
    assert!(!t["Conditions"]["HasRedactionKey"].is_null());
    let text = serde_yaml::to_string(&t).expect("serialises");
    assert!(
        !text.contains("{{resolve:secretsmanager"),
        "no secret is resolved into the template"
    );
    for (name, f) in of_type(&t, "AWS::Serverless::Function") {
        let vars = &f["Properties"]["Environment"]["Variables"];
        assert!(
            vars["GATEHOUSE_REDACTION_KEY"].is_null(),
            "{name}: the key itself is never configured"
        );
        let arn = &vars["GATEHOUSE_REDACTION_KEY_SECRET_ARN"];
        let wanted = matches!(
            name.as_str(),
            "PromptPreprocessorFunction" | "OutputValidatorFunction"
        );
        assert_eq!(
            !arn.is_null(),
            wanted,
            "{name}: GATEHOUSE_REDACTION_KEY_SECRET_ARN"
        );
        let role = referenced(&f["Properties"]["Role"]).expect("a role of the stack");
        let policies = serde_yaml::to_string(&t["Resources"][&role]["Properties"]["Policies"])
            .expect("serialises");
        assert_eq!(
            policies.contains("secretsmanager:"),
            wanted,
            "{name}: role {role} reads secrets only if the function needs the key"
        );
        if wanted {
            let arn = serde_yaml::to_string(arn).expect("serialises");
            assert!(
                arn.contains("HasRedactionKey")
                    && arn.contains("RedactionKeySecretArn")
                    && arn.contains("AWS::NoValue"),
                "{name}: the named secret, or nothing: {arn}"
            );
            let statement = t["Resources"][&role]["Properties"]["Policies"]
                .as_sequence()
                .into_iter()
                .flatten()
                .flat_map(|p| {
                    p["PolicyDocument"]["Statement"]
                        .as_sequence()
                        .into_iter()
                        .flatten()
                })
                .find(|s| serde_yaml::to_string(s).is_ok_and(|x| x.contains("secretsmanager:")))
                .expect("a secret statement");
            let statement = serde_yaml::to_string(statement).expect("serialises");
            assert!(
                statement.contains("HasRedactionKey")
                    && statement.contains("secretsmanager:GetSecretValue")
                    && statement.contains("Resource: !Ref RedactionKeySecretArn")
                    && !statement.contains('*'),
                "{name}: GetSecretValue on the one named secret, only when named: {statement}"
            );
        }
    }
}

/// Room a guard needs beside the pattern DFAs' caches: a fresh process with the
/// default policy is about 20 MB; a request of the policy's 4 MiB input limit is
/// copied into a handful of views; the runtime and the SDK clients come on top.
const GUARD_HEADROOM_MB: u64 = 128;

/// The two functions that run a guard on every agent turn take their memory from one
/// parameter, and its smallest value holds the injection patterns' DFA caches at their
/// bound plus the headroom: Lambda kills a function that runs out of memory, and the
/// caches only grow as new texts come, so a small function would fail in production
/// after passing every test.
#[test]
fn guard_functions_have_memory_for_the_pattern_caches() {
    let t = template();
    let param = &t["Parameters"]["GuardMemorySize"];
    let min_mb = param["MinValue"]
        .as_u64()
        .expect("GuardMemorySize has a MinValue");
    let default_mb = param["Default"]
        .as_u64()
        .expect("GuardMemorySize has a Default");
    let bound_mb = (gatehouse_core::rules::pattern_memory_bound() as u64).div_ceil(1 << 20);
    assert!(
        min_mb >= bound_mb + GUARD_HEADROOM_MB,
        "GuardMemorySize MinValue {min_mb} MB: the pattern caches alone may take {bound_mb} MB"
    );
    assert!(
        default_mb >= min_mb,
        "GuardMemorySize Default under its MinValue"
    );
    for name in ["PromptPreprocessorFunction", "OutputValidatorFunction"] {
        let memory = &t["Resources"][name]["Properties"]["MemorySize"];
        assert_eq!(
            referenced(memory).as_deref(),
            Some("GuardMemorySize"),
            "{name}: MemorySize must be !Ref GuardMemorySize"
        );
    }
}

/// The two guard functions run with glibc's malloc thresholds pinned (a large text's
/// scan buffers stay in the heap between invocations), at values glibc accepts (the
/// mmap threshold at most 32 MiB on 64-bit, or the tunable is ignored), and `make
/// bench` measures with the same setting.
#[test]
fn the_guard_functions_pin_the_malloc_thresholds_as_the_benches_do() {
    let t = template();
    let mut values = Vec::new();
    for (name, f) in of_type(&t, "AWS::Serverless::Function") {
        let value = f["Properties"]["Environment"]["Variables"]["GLIBC_TUNABLES"].as_str();
        let guard = matches!(
            name.as_str(),
            "PromptPreprocessorFunction" | "OutputValidatorFunction"
        );
        assert_eq!(value.is_some(), guard, "{name}: GLIBC_TUNABLES");
        values.extend(value.map(str::to_owned));
    }
    values.dedup();
    let [value] = values.as_slice() else {
        panic!("one setting for both functions: {values:?}");
    };
    let get = |key: &str| -> u64 {
        value
            .split(':')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("{key} in {value}"))
            .parse()
            .expect("a number of bytes")
    };
    let mmap = get("glibc.malloc.mmap_threshold");
    assert!(
        mmap <= 32 << 20,
        "glibc ignores an mmap threshold above 32 MiB"
    );
    assert_eq!(get("glibc.malloc.trim_threshold"), 2 * mmap);
    let make = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../mk/cli.mk"))
        .expect("mk/cli.mk");
    assert!(
        make.contains(&format!("MALLOC_TUNABLES := {value}\n")),
        "mk/cli.mk measures with the functions' setting"
    );
}

/// The session counts (the policy's `session` block) reach the prompt-preprocessor
/// only: it is told the table and may read and write that table's items, nothing else
/// of DynamoDB; no other function may touch the table.
#[test]
fn only_the_preprocessor_keeps_session_counts_in_its_table() {
    let t = template();
    let table = &t["Resources"]["SessionTable"];
    assert_eq!(table["Type"].as_str(), Some("AWS::DynamoDB::Table"));
    assert_eq!(
        table["Properties"]["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some("expiresAt"),
        "windows expire on the attribute the function writes"
    );
    assert_eq!(
        table["Properties"]["KeySchema"][0]["AttributeName"].as_str(),
        Some("pk")
    );
    let env =
        &t["Resources"]["PromptPreprocessorFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(
        referenced(&env["SESSION_TABLE"]).as_deref(),
        Some("SessionTable")
    );
    let mut granted = 0;
    for (role, st) in all_statements(&t) {
        let mut actions = vec![];
        every_action(&st, &mut actions);
        let touches_table = format!("{st:?}").contains("SessionTable");
        if role == "PromptPreprocessorRole" && touches_table {
            granted += 1;
            actions.sort();
            assert_eq!(
                actions,
                [
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem"
                ]
            );
        } else {
            assert!(
                !touches_table,
                "{role} may not touch the session table: {st:?}"
            );
            if role == "PromptPreprocessorRole" {
                assert!(
                    actions.iter().all(|a| !a.starts_with("dynamodb:")),
                    "{role}: {actions:?}"
                );
            }
        }
    }
    assert_eq!(
        granted, 1,
        "one statement grants the preprocessor its table"
    );
}
