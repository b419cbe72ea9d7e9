select
    shop_id,
    return_id,
    order_id,
    return_type,
    return_status,
    return_reason,
    role as requested_by,
    {{ json_text('refund_amount', ['currency']) }} as currency,
    {{ money(json_text('refund_amount', ['refund_subtotal'])) }} as refund_subtotal,
    {{ money(json_text('refund_amount', ['refund_shipping_fee'])) }} as refund_shipping_fee,
    {{ money(json_text('refund_amount', ['refund_total'])) }} as refund_total,
    {{ ts('create_time_iso') }} as created_at,
    {{ ts('update_time_iso') }} as updated_at
from {{ newest(source('tiktokshop', 'returns'), ['shop_id', 'return_id'], 'update_time') }} as returns
