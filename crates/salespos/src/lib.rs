//! CCV SalesPOS (CCV Shop REST API v1) client. (The helper building issue 4 fills it in.)
