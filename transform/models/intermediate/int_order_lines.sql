-- One row per order line (a unit) with its order's day, status and warehouse, and what
-- became of it: counted as a sale (neither cancelled nor in an unpaid order), cancelled,
-- or returned for a refund (a return or refund neither rejected nor withdrawn).
with refunded_lines as (
    select distinct shop_id, order_line_item_id
    from {{ ref('stg_tiktokshop__return_line_items') }}
    where return_type <> 'REPLACEMENT'
      and return_status not like '%REJECT'
      and return_status not like '%CANCEL'
)

select
    lines.shop_id,
    lines.order_id,
    lines.order_line_item_id,
    lines.product_id,
    lines.sku_id,
    lines.seller_sku,
    lines.package_id,
    lines.currency,
    orders.order_status,
    orders.warehouse_id,
    orders.created_at as order_created_at,
    {{ day_of('orders.created_at') }} as sales_date,
    lines.original_price as gross_amount,
    lines.seller_discount,
    lines.platform_discount,
    lines.original_price - lines.seller_discount as net_amount,
    lines.rts_at,
    (lines.is_cancelled or orders.order_status = 'CANCELLED') as is_cancelled,
    (not lines.is_cancelled and orders.order_status not in ('CANCELLED', 'UNPAID'))
        as is_sale,
    (refunded_lines.order_line_item_id is not null) as is_returned
from {{ ref('stg_tiktokshop__order_line_items') }} as lines
inner join {{ ref('stg_tiktokshop__orders') }} as orders
    on orders.shop_id = lines.shop_id and orders.order_id = lines.order_id
left join refunded_lines
    on refunded_lines.shop_id = lines.shop_id
    and refunded_lines.order_line_item_id = lines.order_line_item_id
