select
    shop_id,
    cancel_id,
    order_id,
    cancel_type,
    cancel_status,
    cancel_reason,
    role as requested_by,
    {{ json_text('refund_amount', ['currency']) }} as currency,
    {{ money(json_text('refund_amount', ['refund_total'])) }} as refund_total,
    {{ ts('create_time_iso') }} as created_at,
    {{ ts('update_time_iso') }} as updated_at
from {{ newest(source('tiktokshop', 'cancellations'), ['shop_id', 'cancel_id'], 'update_time') }}
    as cancellations
