select
    shop_id,
    product_id,
    sku_id,
    warehouse_id,
    seller_sku,
    currency,
    {{ money('price_value') }} as price,
    cast(quantity as bigint) as stock_on_hand,
    product_status,
    {{ ts('product_update_time_iso') }} as product_updated_at
from {{ newest(source('tiktokshop', 'product_skus'),
               ['shop_id', 'product_id', 'sku_id', 'warehouse_id'],
               'product_update_time') }} as skus
