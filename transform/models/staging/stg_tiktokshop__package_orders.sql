select
    shop_id,
    package_id,
    order_id,
    package_status,
    {{ ts('package_update_time_iso') }} as package_updated_at
from {{ newest(source('tiktokshop', 'package_orders'), ['shop_id', 'package_id', 'order_id'],
               'package_update_time') }} as package_orders
