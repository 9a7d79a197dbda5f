//! AWS implementations: DynamoDB approvals table, SNS notifier, Step Functions callback.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use crate::model::{
    ApprovalStore, Claim, ClaimResult, DependencyError, Notification, Notifier, PendingItem,
    RequestSummary, TaskCallback,
};

fn dep<E: std::error::Error + 'static>(service: &'static str) -> impl Fn(E) -> DependencyError {
    move |e| DependencyError {
        service,
        message: aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
    }
}

/// The approvals table (`APPROVALS_TABLE`): key `requestId`, TTL attribute `expiresAt`.
#[derive(Debug, Clone)]
pub struct DynamoApprovalStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoApprovalStore {
    /// A store over `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        DynamoApprovalStore {
            client,
            table: table.into(),
        }
    }

    async fn get(&self, request_id: &str) -> Result<Option<PendingItem>, DependencyError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("requestId", AttributeValue::S(request_id.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(dep("dynamodb"))?;
        out.item.as_ref().map(item_from_attrs).transpose()
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn attrs_from_item(item: &PendingItem) -> Result<HashMap<String, AttributeValue>, DependencyError> {
    let sum = &item.summary;
    let findings = serde_json::to_string(&sum.findings).map_err(|e| DependencyError {
        service: "dynamodb",
        message: e.to_string(),
    })?;
    Ok(HashMap::from([
        ("requestId".to_owned(), s(&sum.request_id)),
        ("sessionId".to_owned(), s(&sum.session_id)),
        ("principalId".to_owned(), s(&sum.principal_id)),
        ("role".to_owned(), s(&sum.role)),
        ("decision".to_owned(), s(sum.decision.as_str())),
        ("findings".to_owned(), s(&findings)),
        ("taskToken".to_owned(), s(&item.task_token)),
        ("reason".to_owned(), s(&item.reason)),
        ("status".to_owned(), s(&item.status)),
        (
            "expiresAt".to_owned(),
            AttributeValue::N(item.expires_at.to_string()),
        ),
    ]))
}

fn item_from_attrs(a: &HashMap<String, AttributeValue>) -> Result<PendingItem, DependencyError> {
    let corrupt = |field: &str| DependencyError {
        service: "dynamodb",
        message: format!("item attribute `{field}` missing or mistyped"),
    };
    let text = |k: &str| match a.get(k) {
        Some(AttributeValue::S(v)) => Ok(v.clone()),
        _ => Err(corrupt(k)),
    };
    let decision = serde_json::from_value(serde_json::Value::String(text("decision")?))
        .map_err(|_| corrupt("decision"))?;
    let findings = serde_json::from_str(&text("findings")?).map_err(|_| corrupt("findings"))?;
    let expires_at = match a.get("expiresAt") {
        Some(AttributeValue::N(n)) => n.parse().map_err(|_| corrupt("expiresAt"))?,
        _ => return Err(corrupt("expiresAt")),
    };
    Ok(PendingItem {
        summary: RequestSummary {
            request_id: text("requestId")?,
            session_id: text("sessionId")?,
            principal_id: text("principalId")?,
            role: text("role")?,
            decision,
            findings,
        },
        task_token: text("taskToken")?,
        reason: text("reason")?,
        expires_at,
        status: text("status")?,
    })
}

fn now_secs() -> u64 {
    u64::try_from(gatehouse_core::audit::time::now_unix_ms() / 1000).unwrap_or(0)
}

impl ApprovalStore for DynamoApprovalStore {
    async fn put_pending(&self, item: &PendingItem) -> Result<(), DependencyError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(attrs_from_item(item)?))
            .condition_expression("attribute_not_exists(requestId) OR #s = :pending")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":pending", s("pending"))
            .send()
            .await
            .map_err(dep("dynamodb"))?;
        Ok(())
    }

    async fn claim(&self, request_id: &str, claim: &Claim) -> Result<ClaimResult, DependencyError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("requestId", s(request_id))
            .update_expression(
                "SET #s = :new, decidedBy = :by, decisionReason = :why, decidedAt = :at",
            )
            .condition_expression("#s = :pending AND expiresAt > :now")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":new", s(claim.status))
            .expression_attribute_values(":by", s(&claim.reviewer))
            .expression_attribute_values(":why", s(&claim.reason))
            .expression_attribute_values(":at", AttributeValue::N(now_secs().to_string()))
            .expression_attribute_values(":pending", s("pending"))
            .expression_attribute_values(":now", AttributeValue::N(now_secs().to_string()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => match out.attributes.as_ref() {
                Some(old) => Ok(ClaimResult::Claimed(Box::new(item_from_attrs(old)?))),
                None => Err(DependencyError {
                    service: "dynamodb",
                    message: "update returned no item".into(),
                }),
            },
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(match self.get(request_id).await? {
                    Some(item) if item.status != "pending" => ClaimResult::AlreadyDecided,
                    _ => ClaimResult::Missing, // unknown, or pending but expired
                })
            }
            Err(e) => Err(dep("dynamodb")(e)),
        }
    }
}

/// Publishes notifications to `REVIEW_TOPIC_ARN`.
#[derive(Debug, Clone)]
pub struct SnsNotifier {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsNotifier {
    /// A notifier publishing to `topic_arn`.
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> Self {
        SnsNotifier {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

impl Notifier for SnsNotifier {
    async fn notify(&self, n: &Notification) -> Result<(), DependencyError> {
        let message = serde_json::to_string(n).map_err(|e| DependencyError {
            service: "sns",
            message: e.to_string(),
        })?;
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject("Gatehouse: a request awaits review")
            .message(message)
            .send()
            .await
            .map_err(|e| DependencyError {
                service: "sns",
                message: aws_sdk_sns::error::DisplayErrorContext(e).to_string(),
            })?;
        Ok(())
    }
}

/// SendTaskSuccess / SendTaskFailure.
#[derive(Debug, Clone)]
pub struct SfnCallback {
    client: aws_sdk_sfn::Client,
}

impl SfnCallback {
    /// A callback over `client`.
    pub fn new(client: aws_sdk_sfn::Client) -> Self {
        SfnCallback { client }
    }
}

fn sfn_err<E: std::error::Error + 'static>(e: E) -> DependencyError {
    DependencyError {
        service: "states",
        message: aws_sdk_sfn::error::DisplayErrorContext(e).to_string(),
    }
}

impl TaskCallback for SfnCallback {
    async fn succeed(&self, token: &str, output: &str) -> Result<(), DependencyError> {
        self.client
            .send_task_success()
            .task_token(token)
            .output(output)
            .send()
            .await
            .map_err(sfn_err)?;
        Ok(())
    }

    async fn fail(&self, token: &str, error: &str, cause: &str) -> Result<(), DependencyError> {
        self.client
            .send_task_failure()
            .task_token(token)
            .error(error)
            .cause(cause)
            .send()
            .await
            .map_err(sfn_err)?;
        Ok(())
    }
}
