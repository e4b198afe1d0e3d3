-- The W3C trace context of the change that wrote the row, when tracing was on: the relay continues that trace
-- and carries it in the record's traceparent header. Debezium's Outbox Event Router can place it there too
-- (table.fields.additional.placement=traceparent:header).
ALTER TABLE outbox_event ADD COLUMN traceparent varchar(55);
