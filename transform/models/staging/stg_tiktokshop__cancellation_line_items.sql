-- The cancelled order lines of each cancellation: the JSON array `cancel_line_items`,
-- one row per element.
with items as (
    select
        shop_id,
        cancel_id,
        order_id,
        cancel_status,
        {{ json_elements('cancel_line_items') }} as item
    from {{ newest(source('tiktokshop', 'cancellations'), ['shop_id', 'cancel_id'],
                   'update_time') }} as cancellations
)

select
    shop_id,
    cancel_id,
    {{ json_text('item', ['cancel_line_item_id']) }} as cancel_line_item_id,
    order_id,
    {{ json_text('item', ['order_line_item_id']) }} as order_line_item_id,
    {{ json_text('item', ['sku_id']) }} as sku_id,
    {{ json_text('item', ['seller_sku']) }} as seller_sku,
    cancel_status,
    {{ json_text('item', ['refund_amount', 'currency']) }} as currency,
    {{ money(json_text('item', ['refund_amount', 'refund_total'])) }} as refund_total
from items
