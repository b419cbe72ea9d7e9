select
    shop_id,
    package_id,
    package_status,
    shipping_provider_id,
    shipping_provider_name,
    shipping_type,
    tracking_number,
    {{ json_text('weight', ['value']) }} as weight_value,
    {{ json_text('weight', ['unit']) }} as weight_unit,
    {{ ts('create_time_iso') }} as created_at,
    {{ ts('update_time_iso') }} as updated_at
from {{ newest(source('tiktokshop', 'packages'), ['shop_id', 'package_id'], 'update_time') }}
    as packages
