select
    shop_id,
    return_id,
    return_line_item_id,
    order_id,
    order_line_item_id,
    sku_id,
    seller_sku,
    return_type,
    return_status,
    currency,
    {{ money('refund_subtotal_value') }} as refund_subtotal,
    {{ money('refund_total_value') }} as refund_total,
    {{ ts('return_update_time_iso') }} as return_updated_at
from {{ newest(source('tiktokshop', 'return_line_items'),
               ['shop_id', 'return_id', 'return_line_item_id'], 'return_update_time') }} as lines
